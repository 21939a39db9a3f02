package lookm.bench.cli;

import picocli.CommandLine.Command;

/** Placeholder. */
@Command(name = "bench", description = "(not yet)")
final class BenchCommand implements Runnable {
    @Override public void run() { throw new IllegalArgumentException("bench: not implemented yet"); }
}
