package lookm.bench.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.bench.fidelity.HeadFidelity;
import lookm.bench.fidelity.LayerFidelity;
import lookm.bench.fidelity.Metrics;
import lookm.bench.fidelity.Summary;
import lookm.bench.report.Csv;
import lookm.bench.report.RunInfo;
import lookm.bench.report.TextTable;

/** The files and the terminal table of a replay: JSON (everything), per-layer CSV and per-head-group CSV. */
public final class ReplayReport {
    /** Column names of the per-layer CSV. */
    public static final List<String> LAYER_COLUMNS = List.of("layer", "kv_head", "relative_error", "cosine", "recall", "topk_overlap",
            "kept", "kept_text", "kept_image", "merged", "kept_bytes", "full_bytes", "merged_mass", "requested_tokens", "effective_tokens",
            "requested_bytes", "effective_bytes", "effective_text_bytes", "effective_image_bytes");

    private ReplayReport() {}

    /** The five fidelity numbers of {@code m} by their JSON names. */
    public static Map<String, Object> metrics(Metrics m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("relativeError", m.relativeError());
        out.put("cosine", m.cosine());
        out.put("recall", m.recall());
        out.put("mergedMass", m.mergedMass());
        out.put("topKOverlap", m.topKOverlap());
        return out;
    }

    /** The summary of one result as a map (shared by replay.json and sweep.json). */
    public static Map<String, Object> summary(Replay.Result r) {
        Summary s = r.summary();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("policy", r.job().policy());
        out.put("policyParameters", r.job().compressor().policy().parameters());
        out.put("budget", r.job().budget().toString());
        out.put("budgetFraction", r.job().budgetFraction());
        out.put("allocation", r.job().compressor().policy().allocate().toString());
        out.put("requestedBudget", s.requestedRatio());
        out.put("effectiveBudget", s.effectiveRatio());
        out.put("requestedTokens", s.requestedTokens());
        out.put("effectiveTokens", s.keptTokens());
        out.put("requestedBytes", s.requestedBytes());
        out.put("effectiveBytes", s.keptBytes());
        out.put("effectiveTextBytes", s.keptTextBytes());
        out.put("effectiveImageBytes", s.keptImageBytes());
        out.put("effectiveTokensPerLayer", r.layers().stream().map(LayerFidelity::keptTokens).toList());
        out.put("overall", metrics(s.overall()));
        out.put("textRetention", s.textRetention());
        out.put("imageRetention", s.imageRetention());
        out.put("meanKeptTextPerHead", s.meanKeptText());
        out.put("meanKeptImagePerHead", s.meanKeptImage());
        out.put("meanMergedPerHead", s.meanMerged());
        out.put("keptBytes", s.keptBytes());
        out.put("fullBytes", s.fullBytes());
        out.put("bytesRatio", s.bytesRatio());
        out.put("compressSeconds", r.compressNanos() / 1e9);
        return out;
    }

    /** The throughput block of replay.json: layers per second, MB/s read, where the time went, the pipeline. */
    public static Map<String, Object> throughput(Replay.Throughput t, Replay.Pipeline pipeline) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("layers", t.layers());
        out.put("prefetch", pipeline.prefetch());
        out.put("threads", pipeline.threads());
        out.put("wallSeconds", t.wallSeconds());
        out.put("layersPerSecond", t.layersPerSecond());
        out.put("bytesRead", t.bytesRead());
        out.put("megabytesPerSecondRead", t.megabytesPerSecond());
        out.put("readSeconds", t.readSeconds());
        out.put("readCpuSeconds", t.readCpuSeconds());
        out.put("waitForReadSeconds", t.waitSeconds());
        out.put("waitForOthersSeconds", t.waitOtherSeconds());
        out.put("compressSeconds", t.compressSeconds());
        out.put("fidelitySeconds", t.fidelitySeconds());
        out.put("exportSeconds", t.sinkSeconds());
        out.put("boundBy", t.boundBy());
        return out;
    }

    /** One line for the terminal: throughput and where the time went. */
    public static String throughputLine(Replay.Throughput t, Replay.Pipeline pipeline) {
        return String.format(java.util.Locale.ROOT, "throughput: %d layers in %.2f s = %.2f layers/s, %.1f MB/s read (prefetch %d, threads %d);"
                        + " read %.2f s (%.2f s on a core), waited for reads %.2f s, for the other threads %.2f s, compress %.2f s,"
                        + " fidelity %.2f s%s: bound by %s",
                t.layers(), t.wallSeconds(), t.layersPerSecond(), t.megabytesPerSecond(), pipeline.prefetch(), pipeline.threads(),
                t.readSeconds(), t.readCpuSeconds(), t.waitSeconds(), t.waitOtherSeconds(), t.compressSeconds(), t.fidelitySeconds(),
                t.sinkSeconds() > 0 ? String.format(java.util.Locale.ROOT, ", writing decisions %.2f s", t.sinkSeconds()) : "", t.boundBy());
    }

    /** replay.json: what ran, the summary, per layer, per head group, memory. */
    public static Map<String, Object> json(RunInfo info, Replay.Result r, Map<String, Object> memory) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("run", info.toMap());
        root.put("definitions", "see bench/FIDELITY.md; means are arithmetic, equal weight per probe; topK = min(C, "
                + lookm.bench.fidelity.Fidelity.TOP_K + ")");
        root.put("summary", summary(r));
        List<Object> groups = new ArrayList<>();
        List<Metrics> perGroup = r.summary().perHeadGroup();
        for (int h = 0; h < perGroup.size(); h++) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("kvHead", h);
            g.putAll(metrics(perGroup.get(h)));
            groups.add(g);
        }
        root.put("perHeadGroup", groups);
        List<Object> layers = new ArrayList<>();
        for (LayerFidelity l : r.layers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", l.layer());
            m.putAll(metrics(l.mean()));
            m.put("keptText", l.keptText());
            m.put("keptImage", l.keptImage());
            m.put("merged", l.merged());
            m.put("textRetention", l.textRetention());
            m.put("imageRetention", l.imageRetention());
            m.put("keptBytes", l.keptBytes());
            m.put("fullBytes", l.fullBytes());
            m.put("requestedTokensPerHead", l.requestedPerHead());
            m.put("requestedTokens", l.requestedTokens());
            m.put("effectiveTokens", l.keptTokens());
            m.put("requestedBytes", l.requestedBytes());
            m.put("effectiveBytes", l.keptBytes());
            m.put("effectiveTextBytes", l.keptTextBytes());
            m.put("effectiveImageBytes", l.keptImageBytes());
            List<Object> heads = new ArrayList<>();
            for (HeadFidelity h : l.heads()) {
                Map<String, Object> hm = new LinkedHashMap<>();
                hm.put("kvHead", h.kvHead());
                hm.putAll(metrics(h.mean()));
                hm.put("requestedTokens", l.requestedPerHead());
                hm.put("kept", h.kept());
                hm.put("effectiveBytes", h.kept() * l.bytesPerToken());
                hm.put("keptText", h.keptText());
                hm.put("keptImage", h.keptImage());
                hm.put("merged", h.merged());
                heads.add(hm);
            }
            m.put("heads", heads);
            layers.add(m);
        }
        root.put("perLayer", layers);
        if (memory != null) root.put("memory", memory);
        return root;
    }

    /** layers.csv: one row per layer (kv_head "all") and one per (layer, KV head). */
    public static Csv layersCsv(RunInfo info, Replay.Result r) {
        Csv csv = info.annotate(new Csv(LAYER_COLUMNS));
        for (LayerFidelity l : r.layers()) {
            Metrics m = l.mean();
            csv.row(l.layer(), "all", m.relativeError(), m.cosine(), m.recall(), m.topKOverlap(),
                    l.keptText() + l.keptImage(), l.keptText(), l.keptImage(), l.merged(), l.keptBytes(), l.fullBytes(), m.mergedMass(),
                    l.requestedTokens(), l.keptTokens(), l.requestedBytes(), l.keptBytes(), l.keptTextBytes(), l.keptImageBytes());
            for (HeadFidelity h : l.heads()) {
                Metrics hm = h.mean();
                long b = l.bytesPerToken();
                csv.row(l.layer(), h.kvHead(), hm.relativeError(), hm.cosine(), hm.recall(), hm.topKOverlap(),
                        h.kept(), h.keptText(), h.keptImage(), h.merged(), "", "", hm.mergedMass(),
                        l.requestedPerHead(), h.kept(), l.requestedPerHead() * b, h.kept() * b, h.keptText() * b, h.keptImage() * b);
            }
        }
        return csv;
    }

    /** head_groups.csv: per KV head, the mean over layers of the metrics; requested and effective tokens and bytes summed over layers. */
    public static Csv headGroupsCsv(RunInfo info, Replay.Result r) {
        Csv csv = info.annotate(new Csv(List.of("kv_head", "relative_error", "cosine", "recall", "topk_overlap", "merged_mass",
                "requested_tokens", "effective_tokens", "effective_bytes")));
        List<Metrics> groups = r.summary().perHeadGroup();
        for (int h = 0; h < groups.size(); h++) {
            Metrics m = groups.get(h);
            long requested = 0, kept = 0, bytes = 0;
            for (LayerFidelity l : r.layers()) {
                requested += l.requestedPerHead();
                kept += l.heads().get(h).kept();
                bytes += l.heads().get(h).kept() * l.bytesPerToken();
            }
            csv.row(h, m.relativeError(), m.cosine(), m.recall(), m.topKOverlap(), m.mergedMass(), requested, kept, bytes);
        }
        return csv;
    }

    /** The terminal summary: one row per layer, then the overall row. */
    public static String table(Replay.Result r) {
        TextTable t = new TextTable("layer", "rel.err", "cosine", "recall", "merged mass", "top-k", "text kept", "image kept", "merged",
                "requested", "effective", "effective KV bytes");
        for (LayerFidelity l : r.layers())
            t.row(l.layer(), TextTable.num(l.mean().relativeError(), 4), TextTable.num(l.mean().cosine(), 4),
                    TextTable.num(l.mean().recall(), 4), TextTable.num(l.mean().mergedMass(), 4), TextTable.num(l.mean().topKOverlap(), 3),
                    TextTable.pct(l.textRetention()), TextTable.pct(l.imageRetention()), l.merged(), l.requestedPerHead() + "/head",
                    perHead(l.keptTokens(), l.heads().size()), bytes(l.keptBytes(), l.bytesRatio()));
        Summary s = r.summary();
        t.row("overall", TextTable.num(s.overall().relativeError(), 4), TextTable.num(s.overall().cosine(), 4),
                TextTable.num(s.overall().recall(), 4), TextTable.num(s.overall().mergedMass(), 4), TextTable.num(s.overall().topKOverlap(), 3),
                TextTable.pct(s.textRetention()), TextTable.pct(s.imageRetention()), String.format(java.util.Locale.ROOT, "%.1f/head", s.meanMerged()),
                TextTable.pct(s.requestedRatio()), TextTable.pct(s.effectiveRatio()), bytes(s.keptBytes(), s.bytesRatio()));
        return t.toString();
    }

    /** Mean tokens per head, e.g. "172.5/head". */
    static String perHead(long tokens, int heads) { return String.format(java.util.Locale.ROOT, "%.1f/head", tokens / (double) heads); }

    /** Bytes in KiB or MiB with their share of the full cache, e.g. "1.6 MiB (20.0%)". */
    public static String bytes(long bytes, double ratio) {
        String size = bytes >= 1 << 20 ? String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20))
                : String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        return size + " (" + TextTable.pct(ratio) + ")";
    }
}
