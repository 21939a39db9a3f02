package lookm.bench.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lookm policies}: the registry, one line per policy, then its parameters and the original class it reproduces. */
@Command(name = "policies", mixinStandardHelpOptions = true, description = "List the registered policies and their parameters.")
final class PoliciesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int width = Policies.names().stream().mapToInt(String::length).max().orElse(0);
        for (PolicySpec p : Policies.all()) {
            out.printf("%-" + width + "s  %s%n", p.name(), p.description());
            out.printf("%-" + width + "s    %s%s%n", "", p.parameters(), p.original().isEmpty() ? "" : "  (original: " + p.original() + ")");
        }
        return LookmCli.EXIT_OK;
    }
}
