package lookm.spec.policy;

/**
 * A registered policy name: shorthand for an expression (SPEC.md §7). Built-ins live in {@link Policies}; plugins add
 * their own.
 *
 * @param name        stable name (lower-case, digits and '-')
 * @param description one line for {@code lookm policies}
 * @param expression  what it stands for, e.g. {@code score=attention select=topk(sinks=4) merge=pivot}
 * @param original    the authors' class (and kv_mode) this policy reproduces, or "" for our additions
 */
public record Alias(String name, String description, String expression, String original) {
    public Alias {
        if (name == null || !name.matches(Policies.NAME_PATTERN))
            throw new IllegalArgumentException("policy name must match " + Policies.NAME_PATTERN + ", was " + name);
        if (expression == null || expression.isBlank()) throw new IllegalArgumentException("policy " + name + " needs an expression");
        if (description == null) description = "";
        if (original == null) original = "";
    }
}
