package lookm.bench.cli;

import picocli.CommandLine.Command;

/** Placeholder. */
@Command(name = "trace", description = "(not yet)")
final class TraceCommand implements Runnable {
    @Override public void run() { throw new IllegalArgumentException("trace: not implemented yet"); }
}
