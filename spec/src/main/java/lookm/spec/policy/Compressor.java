package lookm.spec.policy;

import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;

/**
 * The one place where a policy is composed: score → select → merge. Every backend builds its stages and
 * hands them here; nothing else chains them. {@link #run} returns every stage's output and its wall-clock time,
 * so timers, benchmarks, speed checks, golden and property tests read the stages from here rather than chaining
 * them again.
 */
public record Compressor(PolicySpec policy, Scorer scorer, Selector selector, Merger merger) {
    public Compressor {
        if (policy == null || scorer == null || selector == null || merger == null)
            throw new IllegalArgumentException("Compressor needs a policy, a scorer, a selector and a merger");
    }

    /**
     * Every stage's output of one compression and its wall-clock time. Each stage returns host data, so a device
     * is idle at each boundary and the three times add up to the end-to-end time.
     *
     * @param scores      step (1), (H, T)
     * @param selection   step (2), kept positions per head
     * @param layer       step (3), the compressed layer (merge + gather)
     * @param scoreNanos  wall-clock nanoseconds of step (1); likewise {@code selectNanos}, {@code mergeNanos}
     */
    public record Stages(Scores scores, Selection selection, CompressedLayer layer, long scoreNanos, long selectNanos, long mergeNanos) {
        public Stages {
            if (scores == null || selection == null || layer == null)
                throw new IllegalArgumentException("Stages needs scores, a selection and a compressed layer");
            if (scoreNanos < 0 || selectNanos < 0 || mergeNanos < 0)
                throw new IllegalArgumentException("stage times must be >= 0, were " + scoreNanos + ", " + selectNanos + ", " + mergeNanos);
        }

        /** scoreNanos + selectNanos + mergeNanos. */
        public long totalNanos() { return scoreNanos + selectNanos + mergeNanos; }
    }

    /** Compresses one layer, returning every stage's output and time. */
    public Stages run(KvBlock block, Observation observation, Budget budget) {
        long t0 = System.nanoTime();
        Scores scores = scorer.score(block, observation, budget);              // (1) score   (H, T)
        long t1 = System.nanoTime();
        Selection kept = selector.select(scores, block.layout(), budget);     // (2) select  kept per head
        long t2 = System.nanoTime();
        CompressedLayer layer = merger.merge(block, kept);                    // (3) merge   (H, C, D)
        long t3 = System.nanoTime();
        return new Stages(scores, kept, layer, t1 - t0, t2 - t1, t3 - t2);
    }

    /** Compresses one layer (the last stage of {@link #run}). */
    public CompressedLayer compress(KvBlock block, Observation observation, Budget budget) {
        return run(block, observation, budget).layer();
    }
}
