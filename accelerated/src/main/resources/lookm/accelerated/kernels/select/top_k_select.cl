// top_k_select.cl: mirrors lookm.reference.select.TopKSelect, steps (2)-(3) (rank keys); the top-k itself is
// keep_order_top.cl. KeepOrder as a 64-bit key: sinks (the first `sinks` positions) rank above every score, like
// the original's +inf; otherwise the float's order-preserving bits (-0.0 and +0.0 are one value, as in Java's ==).

#define SINK_KEY (1UL << 32)

ulong order_key(float score) {
    const uint bits = as_uint(score == 0.0f ? 0.0f : score);
    return (ulong)((bits & 0x80000000u) ? ~bits : (bits | 0x80000000u));
}

// One work-item per (token j, head h); scores and keys are (H, T).
__kernel void rank_keys_top_k(__global const float* scores, const int tokens, const int sinks, __global ulong* keys) {
    const int j = get_global_id(0), h = get_global_id(1);
    const size_t i = (size_t)h * tokens + j;
    keys[i] = j < sinks ? SINK_KEY : order_key(scores[i]);
}
