package lookm.traces.schema;

import java.util.EnumSet;
import java.util.Set;

/** The per-layer parts of a trace; a reader can be asked for a subset to save memory and time. */
public enum TracePart {
    /** Post-RoPE keys and values, (Hkv, T, D). */
    KV,
    /** Accumulated prefill attention, (Hq, T) float32. */
    ATTENTION,
    /** Prefill queries, (Hq, W, D): the last W positions, or all T. Optional in a trace. */
    PREFILL_QUERIES,
    /** Decode probe queries, (Hq, P, D), at absolute positions >= T. Optional in a trace. */
    PROBES,
    /** Keys and values of the generated tokens, (Hkv, S, D), at positions T..T+S-1 (the decode part). Optional in a trace. */
    DECODE;

    /** Every part. */
    public static Set<TracePart> all() { return EnumSet.allOf(TracePart.class); }
}
