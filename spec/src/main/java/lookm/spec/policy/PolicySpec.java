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
 */
public record PolicySpec(String name, String description, ScoreSpec score, SelectSpec select, MergeSpec merge, String original) {
    public PolicySpec {
        if (name == null || name.isBlank() || name.contains("\n"))
            throw new IllegalArgumentException("policy name must be one non-blank line, was " + name);
        if (score == null || select == null || merge == null)
            throw new IllegalArgumentException("policy " + name + ": score, select and merge must not be null");
        if (description == null) description = "";
        if (original == null) original = "";
    }

    /** The same policy with its accumulated- or observed-attention scores taken from {@code source}; other scorers unchanged. */
    public PolicySpec withScoreSource(ScoreSource source) {
        if (score instanceof ScoreSpec.AccumulatedAttention a)
            return new PolicySpec(name, description, new ScoreSpec.AccumulatedAttention(source, a.precision()), select, merge, original);
        if (score instanceof ScoreSpec.ObservedAttention)
            return new PolicySpec(name, description, new ScoreSpec.ObservedAttention(source), select, merge, original);
        return this;
    }

    /** The same selection and merge ranking scores computed elsewhere ({@link ScoreSpec.External}, CLI --scores-from). */
    public PolicySpec withExternalScores() {
        return new PolicySpec(name, description, new ScoreSpec.External(), select, merge, original);
    }

    /** The same policy with its accumulated-attention scores held in {@code precision} (SPEC.md §2.8); other scorers unchanged. */
    public PolicySpec withScorePrecision(ScorePrecision precision) {
        if (score instanceof ScoreSpec.AccumulatedAttention a)
            return new PolicySpec(name, description, new ScoreSpec.AccumulatedAttention(a.source(), precision), select, merge, original);
        return this;
    }

    /** The same policy with its selection's tie order replaced (SPEC.md §3); selections without a cut unchanged. */
    public PolicySpec withTies(TieOrder ties) {
        return new PolicySpec(name, description, score, select.withTies(ties), merge, original);
    }

    /**
     * The canonical expression: all three stages, every parameter, e.g.
     * {@code score=attention(source=recorded,precision=float32) select=textprior(mode=released,ties=position) merge=pivot}. Reports and trace
     * metadata record it; {@code Policies.parse(expression())} gives these stages back.
     */
    public String expression() { return PolicyExpression.print(score, select, merge); }

    /** What reports record as the policy's parameters: the canonical {@link #expression()}. */
    public String parameters() { return expression(); }
}
