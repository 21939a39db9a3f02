package lookm.properties.contract;

import java.util.List;
import lookm.spec.invariant.Verdict;

/** Turns {@link Verdict}s of spec's named predicates into assertion failures (the property library's language). */
public final class Require {
    private Require() {}

    /** Throws an {@link AssertionError} naming the predicate and its first violation, prefixed by {@code context}. */
    public static void holds(String context, Verdict verdict) {
        if (!verdict.holds()) throw new AssertionError(context + ": " + verdict);
    }

    public static void allHold(String context, List<Verdict> verdicts) {
        for (Verdict v : verdicts) holds(context, v);
    }

    /** A verdict for a check that lives here rather than in spec (e.g. comparisons of two runs). */
    public static Verdict verdict(String predicate, String violation) {
        return violation == null ? new Verdict(predicate, true, "") : new Verdict(predicate, false, violation);
    }
}
