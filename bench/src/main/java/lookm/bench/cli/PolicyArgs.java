package lookm.bench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;

/**
 * Policies from the command line: a name or an expression ({@code snapkv(window=64)}, {@code h2o(sinks=4) + pivot},
 * {@code score=... select=... merge=...}), a comma list of them (commas inside parentheses belong to the expression),
 * or a policies file (JSON): an array, or {@code {"policies": [...]}}, of expressions or {@code {"name": N, "expression": E}}.
 */
final class PolicyArgs {
    /** Suffix that makes a {@code --policies} value a policies file. */
    static final String FILE_SUFFIX = ".json";

    private PolicyArgs() {}

    /** One policy; a bad expression names the parameter, its value and what is allowed (exit 2). */
    static PolicySpec one(String expression) { return Policies.parse(expression); }

    /** The policies of a {@code --policies} value: a comma list, or a policies file. */
    static List<PolicySpec> list(String value) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException("--policies needs at least one policy; see 'lookm policies'");
        if (value.trim().endsWith(FILE_SUFFIX)) return file(Path.of(value.trim()));
        List<PolicySpec> out = new ArrayList<>();
        for (String term : splitTopLevel(value)) if (!term.isBlank()) out.add(one(term.trim()));
        if (out.isEmpty()) throw new IllegalArgumentException("--policies needs at least one policy; see 'lookm policies'");
        return unique(out, "--policies");
    }

    /** Splits at commas outside parentheses. */
    static List<String> splitTopLevel(String value) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ',' && depth == 0) {
                out.add(value.substring(start, i));
                start = i + 1;
            }
        }
        out.add(value.substring(start));
        return out;
    }

    /** A policies file; every problem names the file and the entry. */
    static List<PolicySpec> file(Path path) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(path));
        } catch (IOException e) {
            throw new IllegalArgumentException("--policies " + path + ": cannot read the policies file: " + e.getMessage());
        }
        JsonNode entries = root != null && root.isObject() ? root.get("policies") : root;
        if (entries == null || !entries.isArray() || entries.isEmpty())
            throw new IllegalArgumentException("--policies " + path + ": expected a non-empty JSON array of policies, or {\"policies\": [...]}");
        List<PolicySpec> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            String where = "--policies " + path + ", entry " + i;
            try {
                if (e.isTextual()) out.add(one(e.asText()));
                else if (e.isObject() && e.hasNonNull("expression")) {
                    PolicySpec p = one(e.get("expression").asText());
                    String name = e.hasNonNull("name") ? e.get("name").asText() : p.name();
                    out.add(new PolicySpec(name, e.hasNonNull("description") ? e.get("description").asText() : p.description(),
                            p.score(), p.select(), p.merge(), p.original(), p.allocate(), p.scope()));
                } else throw new IllegalArgumentException("expected an expression string or {\"name\": ..., \"expression\": ...}, was " + e);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(where + ": " + ex.getMessage());
            }
        }
        return unique(out, "--policies " + path);
    }

    /** Sweeps key results by policy name: two entries may not share one. */
    static List<PolicySpec> unique(List<PolicySpec> policies, String where) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (PolicySpec p : policies)
            if (!seen.add(p.name())) throw new IllegalArgumentException(where + ": policy '" + p.name() + "' is listed twice; give one a \"name\"");
        return policies;
    }
}
