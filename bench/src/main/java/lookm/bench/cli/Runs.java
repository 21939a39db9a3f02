package lookm.bench.cli;

import java.nio.file.Path;
import lookm.bench.report.RunInfo;
import lookm.spec.policy.PolicySpec;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.TraceMetadata;

/** Small helpers shared by the commands: trace, policy and run-record plumbing. */
final class Runs {
    private Runs() {}

    /** Opens a trace; a missing or malformed one is a TraceFormatException (exit 2). */
    static TraceReader openTrace(Path trace) {
        if (trace == null) throw new IllegalArgumentException("--trace is required");
        return TraceReader.open(trace);
    }


    /** The seed that decides this policy's output, if any (the random scorer's). */
    static Long policySeed(PolicySpec policy) {
        return policy.score().randomSeed();
    }

    /** Adds the trace's path, id (directory name) and model to a run record. */
    static RunInfo withTrace(RunInfo info, TraceReader reader) {
        TraceMetadata m = reader.metadata();
        Path p = reader.path().toAbsolutePath().normalize();
        String id = p.getFileName() + (m.source().isEmpty() ? "" : " (" + m.source() + ")");
        return info.withTrace(reader.path().toString(), id, m.modelName());
    }
}
