package lookm.traces.schema;

import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;

/**
 * One layer of a trace: what the replay engine compresses and what it observed.
 *
 * @param layer       layer index in [0, L)
 * @param block       post-RoPE keys and values, (Hkv, T, D) float32 (float16 traces are widened); null when
 *                    the reader was not asked for {@link TracePart#KV}
 * @param observation accumulated attention (Hq, T), prefill queries (Hq, W, D) and probe queries (Hq, P, D);
 *                    parts not stored or not asked for are null
 * @param decode      keys and values of the generated tokens (Hkv, S, D) (the decode part); null when the trace has
 *                    none or the reader was not asked for {@link TracePart#DECODE}
 */
public record TraceLayer(int layer, KvBlock block, Observation observation, DecodeTokens decode) {
    public TraceLayer {
        if (layer < 0) throw new IllegalArgumentException("layer must be >= 0, was " + layer);
        if (observation == null) throw new IllegalArgumentException("observation must not be null (use Observation.none())");
    }

    /** A layer without a decode part. */
    public TraceLayer(int layer, KvBlock block, Observation observation) { this(layer, block, observation, null); }
}
