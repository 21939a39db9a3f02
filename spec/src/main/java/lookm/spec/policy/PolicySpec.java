package lookm.spec.policy;

import lookm.spec.tensor.ScorePrecision;

/**
 * A policy as data: which scorer, selector and merger, with their parameters. Shared by CLI, benchmarks,
 * tests and trace metadata; interpreted by each backend.
 *
 * @param name        stable registry name (lower-case, digits and '-')
 * @param description one line for {@code lookm policies}
 * @param original    the authors' class (and kv_mode) this policy reproduces, or "" for our additions
 */
public record PolicySpec(String name, String description, ScoreSpec score, SelectSpec select, MergeSpec merge, String original) {
    public PolicySpec {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]*"))
            throw new IllegalArgumentException("policy name must match [a-z0-9][a-z0-9-]*, was " + name);
        if (score == null || select == null || merge == null)
            throw new IllegalArgumentException("policy " + name + ": score, select and merge must not be null");
        if (description == null) description = "";
        if (original == null) original = "";
    }

    /** The same policy with its accumulated-attention scores taken from {@code source}; other scorers unchanged. */
    public PolicySpec withScoreSource(ScoreSource source) {
        if (score instanceof ScoreSpec.AccumulatedAttention a)
            return new PolicySpec(name, description, new ScoreSpec.AccumulatedAttention(source, a.precision()), select, merge, original);
        return this;
    }

    /** The same policy with its accumulated-attention scores held in {@code precision} (SPEC.md §2.6); other scorers unchanged. */
    public PolicySpec withScorePrecision(ScorePrecision precision) {
        if (score instanceof ScoreSpec.AccumulatedAttention a)
            return new PolicySpec(name, description, new ScoreSpec.AccumulatedAttention(a.source(), precision), select, merge, original);
        return this;
    }

    /** The same policy with its selection's tie order replaced (SPEC.md §3); selections without a cut unchanged. */
    public PolicySpec withTies(TieOrder ties) {
        return new PolicySpec(name, description, score, select.withTies(ties), merge, original);
    }

    /** Parameters in one line, e.g. {@code score=AccumulatedAttention[source=RECORDED] select=... merge=...}. */
    public String parameters() { return "score=" + score + " select=" + select + " merge=" + merge; }
}
