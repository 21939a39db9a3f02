package lookm.spec.policy;

/** The recent / observation window of a selection or a window scorer. */
public sealed interface Window {
    /** The window is the budget's recent count R = floor(T·recentRatio) (the original code, also for SnapKV). */
    record BudgetRecent() implements Window {
        @Override public String toString() { return "R"; }
    }

    /** A fixed window of {@code size} positions (e.g. SnapKV's usual 32), capped at the total budget C. */
    record Fixed(int size) implements Window {
        public Fixed {
            if (size < 0) throw new IllegalArgumentException("window size must be >= 0, was " + size);
        }

        @Override public String toString() { return Integer.toString(size); }
    }

    /** The window length for a layer with total budget C and recent count R. */
    default int length(int totalBudget, int recent) {
        if (this instanceof Fixed f) return Math.min(f.size(), totalBudget);
        return recent;
    }
}
