package lookm.traces.read;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.TraceMetadata;

/**
 * What {@code lookm trace inspect} shows: shapes, layout runs, file sizes and how the accumulated attention
 * splits between modalities.
 *
 * @param trace       the trace directory
 * @param metadata    model and trace metadata
 * @param layout      modality per position
 * @param hasTokenIds whether token ids are stored
 * @param fileBytes   bytes on disk per file name
 * @param layers      per layer, the attention split (averaged over query heads)
 */
public record TraceSummary(Path trace, TraceMetadata metadata, TokenLayout layout, boolean hasTokenIds,
                           Map<String, Long> fileBytes, List<ModalityShare> layers) {
    /**
     * Attention split of one layer: {@code textShare} = Σ_text a / Σ_all a (mass on text positions), and the mean
     * accumulated attention per text and per image token (LOOK-M's premise: text per token > image per token).
     */
    public record ModalityShare(int layer, double textShare, double meanPerTextToken, double meanPerImageToken) {
        public double imageShare() { return 1 - textShare; }
    }

    public long totalBytes() { return fileBytes.values().stream().mapToLong(Long::longValue).sum(); }

    /** Mean of the per-layer text shares. */
    public double meanTextShare() { return layers.stream().mapToDouble(ModalityShare::textShare).average().orElse(Double.NaN); }

    /** A plain-text report, several lines. */
    public String render() {
        TraceMetadata m = metadata;
        StringBuilder s = new StringBuilder();
        s.append(trace).append(" (LOOK-M trace v").append(m.version()).append(m.isVersion2() ? ", " + m.architecture() + ", "
                + (m.ropeAxes() == 1 ? "1-D RoPE" : "M-RoPE") : "").append(")\n");
        s.append("model      ").append(m.modelName()).append(": L=").append(m.layers()).append(", Hq=").append(m.queryHeads())
                .append(", Hkv=").append(m.kvHeads()).append(", D=").append(m.headDim()).append(", RoPE base ").append(m.ropeBase())
                .append(", ").append(m.dtype().label()).append(", tokens/image ").append(m.tokensPerImage()).append('\n');
        boolean v2 = layout.details() != null;
        s.append("tokens     T=").append(m.tokens()).append(": ").append(layout.textCount()).append(v2 ? " text-prior (text + special), " : " text, ")
                .append(layout.imageTokenCount()).append(v2 ? " visual in " : " image in ").append(layout.imageCount())
                .append(v2 ? (layout.imageCount() == 1 ? " item" : " items") : layout.imageCount() == 1 ? " image" : " images")
                .append(hasTokenIds ? ", token ids stored" : "").append('\n');
        s.append("layout     ").append(layout).append('\n');
        if (layout.details() != null) s.append("v2 layout  ").append(LayoutDecoder.describe(layout.details())).append('\n');
        s.append("queries    prefill ").append(m.prefillQueries() == 0 ? "none" : m.hasAllPrefillQueries() ? "all " + m.tokens()
                : "last " + m.prefillQueries()).append(", probes ").append(m.probes())
                .append(m.hasDecode() ? " (with the decode part: K/V of the " + m.decodeSteps() + " generated tokens)" : "").append('\n');
        s.append("source     ").append(m.source()).append('\n');
        fileBytes.forEach((f, b) -> s.append(String.format("file       %-16s %,d bytes%n", f, b)));
        s.append(String.format("attention  layer  text share  mean/text token  mean/image token%n"));
        for (ModalityShare l : layers)
            s.append(String.format("           %5d  %9.1f%%  %15.4f  %16.4f%n", l.layer(), 100 * l.textShare(), l.meanPerTextToken(), l.meanPerImageToken()));
        return s.toString();
    }
}
