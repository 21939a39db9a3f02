package lookm.bench.cli;

import picocli.CommandLine.Command;

/** Placeholder. */
@Command(name = "jmh", description = "(not yet)")
final class JmhCommand implements Runnable {
    @Override public void run() { throw new IllegalArgumentException("jmh: not implemented yet"); }
}
