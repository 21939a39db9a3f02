package lookm.bench.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import lookm.spec.plugin.Plugins;
import lookm.spec.policy.Alias;
import lookm.spec.policy.Param;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScopeSpec;
import lookm.spec.policy.Stage;
import lookm.spec.policy.Variant;
import lookm.spec.policy.Variants;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lookm policies}: every registered policy with its canonical expression and the original class it reproduces,
 * then every stage keyword with its parameters (type, range, default), read from the variants' one description.
 */
@Command(name = "policies", mixinStandardHelpOptions = true,
        description = "List the registered policies (aliases of expressions) and the stage keywords with their parameter ranges.")
final class PoliciesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    /** The alias's parameters by bare name (a name in several stages sets all of them), with what is allowed. */
    static String parameters(PolicySpec p) {
        java.util.Map<String, java.util.List<String>> stages = new java.util.LinkedHashMap<>();
        java.util.Map<String, Param> params = new java.util.LinkedHashMap<>();
        Object[] specs = {p.score(), p.select(), p.merge()};
        for (int i = 0; i < specs.length; i++)
            for (Param q : Variants.of(specs[i]).params()) {
                stages.computeIfAbsent(q.name(), k -> new java.util.ArrayList<>()).add(Stage.values()[i].keyword());
                params.putIfAbsent(q.name(), q);
            }
        java.util.List<String> out = new java.util.ArrayList<>();
        params.forEach((name, q) -> out.add(name + " (" + String.join("+", stages.get(name)) + "): " + q.allowed()));
        return String.join("; ", out);
    }

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int width = Policies.names().stream().mapToInt(String::length).max().orElse(0);
        out.println("policies (a name is an alias of its expression; name(param=value, ...) changes a parameter, + keyword replaces a stage):");
        for (Alias a : Policies.aliases()) {
            PolicySpec p = Policies.named(a.name());
            out.printf("%-" + width + "s  %s%n", a.name(), a.description());
            out.printf("%-" + width + "s    = %s%s%n", "", p.expression(), a.original().isEmpty() ? "" : "  (original: " + a.original() + ")");
            String params = parameters(p);
            if (!params.isEmpty()) out.printf("%-" + width + "s    parameters: %s%n", "", params);
        }
        out.println();
        out.println("stages (score=KEYWORD(param=value,...) select=... merge=...):");
        for (Stage s : Stage.values())
            for (Variant<?> v : Variants.of(s)) {
                out.printf("  %-6s %-10s %s%n", s.keyword(), v.keyword(), v.description());
                for (Param p : v.params()) out.printf("  %-6s %-10s   %s%n", "", "", p.describe());
            }
        out.println();
        out.println("budget scope (after the stages, e.g. 'h2o scope=image'): " + ScopeSpec.DESCRIPTION);
        out.println();
        out.println("plugins: " + (Plugins.installed().isEmpty() ? "none (add with --plugin JAR or " + PluginJars.ENV + ")" : String.join(", ", Plugins.installed())));
        return LookmCli.EXIT_OK;
    }
}
