package lookm.traces.read;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.TokenLayout;

/** Builds a {@link TraceSummary}, reading only layout.arrow and attention.arrow (never the K/V). */
public final class TraceInspector {
    private TraceInspector() {}

    public static TraceSummary inspect(Path trace) {
        try (TraceReader r = TraceReader.open(trace)) {
            List<TraceSummary.ModalityShare> layers = new ArrayList<>();
            for (int l = 0; l < r.metadata().layers(); l++) layers.add(share(l, r.attention(l), r.layout()));
            return new TraceSummary(trace, r.metadata(), r.layout(), r.tokenIds().isPresent(), r.fileSizes(), layers);
        }
    }

    /** (1) text share = Σ_{h, j text} a[h][j] / Σ_{h, j} a[h][j];  (2) mean per token = Σ / (Hq · count). */
    static TraceSummary.ModalityShare share(int layer, AccumulatedAttention a, TokenLayout layout) {
        double text = 0, image = 0;
        for (int h = 0; h < a.queryHeads(); h++)
            for (int t = 0; t < a.tokens(); t++) {
                if (layout.isText(t)) text += a.at(h, t);
                else image += a.at(h, t);
            }
        double total = text + image;
        int heads = a.queryHeads();
        return new TraceSummary.ModalityShare(layer, total == 0 ? Double.NaN : text / total,
                layout.textCount() == 0 ? Double.NaN : text / ((double) heads * layout.textCount()),
                layout.imageTokenCount() == 0 ? Double.NaN : image / ((double) heads * layout.imageTokenCount()));
    }
}
