package lookm.spec.invariant;

/** Outcome of a named predicate: whether it holds, and if not, the first violation in words. */
public record Verdict(String predicate, boolean holds, String detail) {
    static Verdict ok(String predicate) { return new Verdict(predicate, true, ""); }

    static Verdict fail(String predicate, String detail) { return new Verdict(predicate, false, detail); }

    @Override public String toString() { return predicate + (holds ? ": holds" : ": VIOLATED: " + detail); }
}
