package lookm.spec.policy;

import lookm.spec.tensor.ScorePrecision;

/**
 * A policy as data: which scorer, selector and merger, with their parameters. Shared by CLI, benchmarks,
 * tests and trace metadata; interpreted by each backend. Written as text by {@link #expression()} and read back by
 * {@link Policies#parse}.
 *
 * @param name        a registered name ({@link Policies}), or the expression it was parsed from
 * @param description one line for {@code lookm policies}
 * @param original    the authors' class (and kv_mode) this policy reproduces, or "" for our additions
 * @param allocate    how the budget is shared over heads or layers before selection (null: uniform)
 * @param scope       the budget scope the selection runs in (SPEC.md §3B; null: global, one selection per head)
 */
public record PolicySpec(String name, String description, ScoreSpec score, SelectSpec select, MergeSpec merge, String original,
                         AllocateSpec allocate, ScopeSpec scope) {
    /** A policy with the global scope (one selection over the whole layer). */
    public PolicySpec(String name, String description, ScoreSpec score, SelectSpec select, MergeSpec merge, String original,
                      AllocateSpec allocate) {
        this(name, description, score, select, merge, original, allocate, ScopeSpec.GLOBAL);
    }

    /** A policy with the uniform allocation (every head keeps the requested budget). */
    public PolicySpec(String name, String description, ScoreSpec score, SelectSpec select, MergeSpec merge, String original) {
        this(name, description, score, select, merge, original, new AllocateSpec.Uniform());
    }

    public PolicySpec {
        if (name == null || name.isBlank() || name.contains("\n"))
            throw new IllegalArgumentException("policy name must be one non-blank line, was " + name);
        if (score == null || select == null || merge == null)
            throw new IllegalArgumentException("policy " + name + ": score, select and merge must not be null");
        if (description == null) description = "";
        if (original == null) original = "";
        if (allocate == null) allocate = new AllocateSpec.Uniform();
        if (scope == null) scope = ScopeSpec.GLOBAL;
        if (!scope.global()) {
            try {
                lookm.spec.allocate.BudgetScopes.innerSelection(scope, select);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("policy " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /** The same policy with its accumulated- or observed-attention scores taken from {@code source}; other scorers unchanged. */
    public PolicySpec withScoreSource(ScoreSource source) {
        if (score instanceof ScoreSpec.AccumulatedAttention a)
            return new PolicySpec(name, description, new ScoreSpec.AccumulatedAttention(source, a.precision()), select, merge, original, allocate, scope);
        if (score instanceof ScoreSpec.ObservedAttention)
            return new PolicySpec(name, description, new ScoreSpec.ObservedAttention(source), select, merge, original, allocate, scope);
        return this;
    }

    /** The same selection and merge ranking scores computed elsewhere ({@link ScoreSpec.External}, CLI --scores-from). */
    public PolicySpec withExternalScores() {
        return new PolicySpec(name, description, new ScoreSpec.External(), select, merge, original, allocate, scope);
    }

    /**
     * The same policy with the allocation {@code spec} in front of its selection.
     *
     * @throws IllegalArgumentException if the allocation cannot honour this policy's selection (names both)
     */
    public PolicySpec withAllocation(AllocateSpec spec) {
        try {
            lookm.spec.allocate.Allocators.of(spec, select);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("policy " + name + ": " + e.getMessage(), e);
        }
        return new PolicySpec(name, description, score, select, merge, original, spec, scope);
    }

    /**
     * The same policy with its selection run in the budget scope {@code spec} (SPEC.md §3B).
     *
     * @throws IllegalArgumentException if the scope cannot serve this policy's selection (names both)
     */
    public PolicySpec withScope(ScopeSpec spec) {
        return new PolicySpec(name, description, score, select, merge, original, allocate, spec);
    }

    /** The same policy with its accumulated-attention scores held in {@code precision} (SPEC.md §2.8); other scorers unchanged. */
    public PolicySpec withScorePrecision(ScorePrecision precision) {
        if (score instanceof ScoreSpec.AccumulatedAttention a)
            return new PolicySpec(name, description, new ScoreSpec.AccumulatedAttention(a.source(), precision), select, merge, original, allocate, scope);
        return this;
    }

    /** The same policy with its selection's tie order replaced (SPEC.md §3); selections without a cut unchanged. */
    public PolicySpec withTies(TieOrder ties) {
        return new PolicySpec(name, description, score, select.withTies(ties), merge, original, allocate, scope);
    }

    /**
     * The canonical expression: all three stages, every parameter, e.g.
     * {@code score=attention(source=recorded,precision=float32) select=textprior(mode=released,ties=position) merge=pivot}. Reports and trace
     * metadata record it; {@code Policies.parse(expression())} gives these stages back. A non-uniform allocation
     * follows as {@code allocate=adakv(alpha=0.2)} (SPEC.md §3A), a non-global scope as {@code scope=image} (§3B).
     */
    public String expression() {
        return PolicyExpression.print(score, select, merge) + (allocate instanceof AllocateSpec.Uniform ? "" : " allocate=" + allocate)
                + (scope.global() ? "" : " " + ScopeSpec.KEYWORD + "=" + scope);
    }

    /** What reports record as the policy's parameters: the canonical {@link #expression()}. */
    public String parameters() { return expression(); }

}
