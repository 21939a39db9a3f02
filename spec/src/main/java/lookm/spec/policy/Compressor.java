package lookm.spec.policy;

import lookm.spec.allocate.AllocatedSelection;
import lookm.spec.allocate.Allocators;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;

/**
 * The one place where a policy is composed: score → allocate → select → merge. Every backend builds its stages and
 * hands them here; nothing else chains them. {@link #run} returns every stage's output and its wall-clock time,
 * so timers, benchmarks, speed checks, golden and property tests read the stages from here rather than chaining
 * them again.
 */
public record Compressor(PolicySpec policy, Scorer scorer, Selector selector, Merger merger, Allocator allocator) {
    public Compressor {
        if (policy == null || scorer == null || selector == null || merger == null || allocator == null)
            throw new IllegalArgumentException("Compressor needs a policy, a scorer, a selector, a merger and an allocator");
    }

    /** The policy's own allocation ({@link PolicySpec#allocate()}), run on the host. */
    public Compressor(PolicySpec policy, Scorer scorer, Selector selector, Merger merger) {
        this(policy, scorer, selector, merger, Allocators.of(policy.allocate(), policy.select()));
    }

    /**
     * Every stage's output of one compression and its wall-clock time. Each stage returns host data, so a device
     * is idle at each boundary and the stage times add up to the end-to-end time.
     *
     * @param scores        step (1), (H, T)
     * @param selection     step (3), kept positions per head
     * @param layer         step (4), the compressed layer (merge + gather)
     * @param scoreNanos    wall-clock nanoseconds of step (1); likewise {@code selectNanos}, {@code mergeNanos}
     * @param allocation    step (2), the count per head the selection honoured (SPEC.md §3A)
     * @param allocateNanos wall-clock nanoseconds of step (2)
     */
    public record Stages(Scores scores, Selection selection, CompressedLayer layer, long scoreNanos, long selectNanos, long mergeNanos,
                         Allocation allocation, long allocateNanos) {
        public Stages {
            if (scores == null || selection == null || layer == null || allocation == null)
                throw new IllegalArgumentException("Stages needs scores, an allocation, a selection and a compressed layer");
            if (scoreNanos < 0 || allocateNanos < 0 || selectNanos < 0 || mergeNanos < 0)
                throw new IllegalArgumentException("stage times must be >= 0, were " + scoreNanos + ", " + allocateNanos + ", " + selectNanos
                        + ", " + mergeNanos);
        }

        /** Stages without an allocation step: the allocation is what the selection kept, in no time. */
        public Stages(Scores scores, Selection selection, CompressedLayer layer, long scoreNanos, long selectNanos, long mergeNanos) {
            this(scores, selection, layer, scoreNanos, selectNanos, mergeNanos, kept(selection), 0);
        }

        private static Allocation kept(Selection s) {
            int[] counts = new int[s.heads()];
            for (int h = 0; h < counts.length; h++) counts[h] = s.keptCount(h);
            return new Allocation(counts, s.tokens(), true);
        }

        /** scoreNanos + allocateNanos + selectNanos + mergeNanos. */
        public long totalNanos() { return scoreNanos + allocateNanos + selectNanos + mergeNanos; }
    }

    /** Compresses a lone layer (l = 0 of L = 1, no profile), returning every stage's output and time. */
    public Stages run(KvBlock block, Observation observation, Budget budget) { return run(block, observation, budget, LayerContext.single()); }

    /** Compresses layer {@code layer} of a model, returning every stage's output and time. */
    public Stages run(KvBlock block, Observation observation, Budget budget, LayerContext layer) {
        long t0 = System.nanoTime();
        Scores scores = scorer.score(block, observation, budget);                                    // (1) score     (H, T)
        long t1 = System.nanoTime();
        Allocation share = allocator.allocate(scores, block.layout(), budget, layer);               // (2) allocate  C_h per head
        long t2 = System.nanoTime();
        Selection kept = AllocatedSelection.select(selector, scores, block.layout(), budget, share); // (3) select    kept per head
        long t3 = System.nanoTime();
        CompressedLayer compressed = merger.merge(block, kept);                                     // (4) merge     (H, C_h, D)
        long t4 = System.nanoTime();
        return new Stages(scores, kept, compressed, t1 - t0, t3 - t2, t4 - t3, share, t2 - t1);
    }

    /** Compresses a lone layer (the last stage of {@link #run}). */
    public CompressedLayer compress(KvBlock block, Observation observation, Budget budget) { return run(block, observation, budget).layer(); }

    /** Compresses layer {@code layer} of a model (the last stage of {@link #run}). */
    public CompressedLayer compress(KvBlock block, Observation observation, Budget budget, LayerContext layer) {
        return run(block, observation, budget, layer).layer();
    }
}
