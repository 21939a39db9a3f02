package lookm.bench.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.bench.replay.DecisionExport;
import lookm.bench.replay.Replay;
import lookm.bench.report.OutputDirectory;
import lookm.bench.report.Provenance;
import lookm.bench.report.RunInfo;
import lookm.spec.policy.PolicySpec;
import lookm.traces.read.TraceReader;
import lookm.traces.write.OutputGuard;

/** {@code lookm replay --export-decisions DIR}: the checks before the replay and the manifest after it ({@link DecisionExport}). */
final class Decisions {
    private Decisions() {}

    /**
     * Checks the target before any work: the output rules, and apart from the replay's own {@code --out}.
     *
     * @throws IllegalArgumentException naming both directories when one is, holds or lies inside the other
     */
    static void check(Path target, Path replayOut, boolean overwrite, List<Path> inputs) {
        Path a = target.toAbsolutePath().normalize(), b = replayOut.toAbsolutePath().normalize();
        if (a.startsWith(b) || b.startsWith(a))
            throw new IllegalArgumentException("--export-decisions " + target + " and --out " + replayOut
                    + " must be apart (neither the other nor inside it): choose another --export-decisions");
        OutputDirectory.requireWritable(target, overwrite, inputs);
    }

    /**
     * Finishes the decisions of {@code job} on the first {@code layers} layers: the replay handed {@code writer} each
     * layer it compressed; the others (cells a resumed replay read back) are compressed now. Returns the committed
     * directory.
     */
    static Path finish(DecisionExport.Writer writer, TraceReader reader, Replay.Job job, int layers, PolicySpec policy, RunInfo info,
                       Provenance provenance) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("policy", DecisionExport.policy(policy, info.policyParameters()));
        header.put("budget", pair("describe", info.budget(), "fraction", job.budgetFraction()));
        header.put("backend", pair("name", info.backend(), "device", info.device()));
        header.put("trace", DecisionExport.trace(reader, traceChecksums(reader, provenance)));
        header.put("run", info.toMap());
        return writer.finish(reader, job, layers, Replay.profile(reader, policy.allocate()), header);
    }

    private static Map<String, Object> pair(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    /** The SHA-256 of each file of the trace (the provenance has them, keyed "TRACE/file"), keyed by the file's name. */
    private static Map<String, String> traceChecksums(TraceReader reader, Provenance provenance) {
        String prefix = reader.path().toAbsolutePath().normalize().getFileName() + "/";
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : provenance.inputs().entrySet())
            if (e.getKey().startsWith(prefix) && !e.getKey().endsWith(OutputGuard.MARKER)) out.put(e.getKey().substring(prefix.length()), e.getValue());
        return out;
    }
}
