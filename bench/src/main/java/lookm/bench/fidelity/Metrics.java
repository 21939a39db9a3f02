package lookm.bench.fidelity;

/**
 * The output-fidelity numbers of one probe, or their mean over a group of probes (see bench/FIDELITY.md).
 *
 * @param relativeError ‖ô − o‖ / ‖o‖, 0 is perfect
 * @param cosine        cos(ô, o), 1 is perfect
 * @param recall        attention-mass recall: share of the full-cache attention on kept tokens, 1 is perfect
 * @param mergedMass    share of the full-cache attention on evicted tokens merged into a kept row (not in recall)
 * @param topKOverlap   |top-k(p) ∩ kept| / k, 1 is perfect
 */
public record Metrics(double relativeError, double cosine, double recall, double mergedMass, double topKOverlap) {
    /** Kept plus merged mass: the share of the full attention on tokens still represented in some row. */
    public double representedMass() { return recall + mergedMass; }

    /** A running sum of metrics, for arithmetic means. */
    public static final class Mean {
        private double relativeError, cosine, recall, mergedMass, topKOverlap;
        private long count;

        public Mean add(Metrics m) {
            relativeError += m.relativeError;
            cosine += m.cosine;
            recall += m.recall;
            mergedMass += m.mergedMass;
            topKOverlap += m.topKOverlap;
            count++;
            return this;
        }

        public long count() { return count; }

        /** The arithmetic mean of everything added; NaN in every field when nothing was added. */
        public Metrics mean() {
            if (count == 0) return new Metrics(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            return new Metrics(relativeError / count, cosine / count, recall / count, mergedMass / count, topKOverlap / count);
        }
    }
}
