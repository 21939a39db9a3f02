// observed_attention_score.cl: mirrors lookm.reference.score.ObservedAttentionScore, step (2) (kvpress ObservedAttentionPress):
// S_g[j] = Σ_{h ∈ g} a_h[j] / (G · (T − j)), the group's column sums over the number of queries that see position j.

// (2) One work-item per (token j, KV head g).
__kernel void divide_by_visibility(__global const float* groupSums, const int tokens, const int groupSize, __global float* scores) {
    const int j = get_global_id(0), g = get_global_id(1);
    const size_t at = (size_t)g * tokens + j;
    scores[at] = groupSums[at] / ((float)groupSize * (float)(tokens - j));
}
