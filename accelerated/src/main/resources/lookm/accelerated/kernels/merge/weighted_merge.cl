// weighted_merge.cl: mirrors lookm.reference.merge.WeightedMerge, steps (3)-(4) (the assignment; steps (1)-(2) are
// cosine_match.cl, (3) mean_similarity_filter.cl, step (5) is match_merge.cl). Output per evicted slot: the kept row it is added into
// (-1: not merged) and the weight of its row. match = -1 means the head keeps nothing.

// (4): filtered s -> match(s), weight m_s. One work-item per (slot s, head h).
__kernel void assign_weighted(__global const int* match, __global const float* similarity, __global const uchar* keep,
                              const int stride, __global const int* evictedCounts, __global int* target, __global float* weight) {
    const int s = get_global_id(0), h = get_global_id(1);
    if (s >= evictedCounts[h]) return;
    const size_t i = (size_t)h * stride + s;
    const int merged = keep[s] && match[i] >= 0;
    target[i] = merged ? match[i] : -1;
    weight[i] = merged ? similarity[i] : 0.0f;
}
