// pivot_merge.cl: mirrors lookm.reference.merge.PivotMerge, steps (3)-(4) (the assignment; steps (1)-(2) are
// cosine_match.cl, step (5) is match_merge.cl). Output per evicted slot: the kept row it is added into
// (-1: not merged) and the weight of its row. match = -1 means the head keeps nothing.

// (3) no filter; (4): s -> match(s), weight 1/2, every evicted token. One work-item per (slot s, head h).
__kernel void assign_every_match(__global const int* match, const int stride, __global const int* evictedCounts,
                                 const float pivotWeight, __global int* target, __global float* weight) {
    const int s = get_global_id(0), h = get_global_id(1);
    if (s >= evictedCounts[h]) return;
    const size_t i = (size_t)h * stride + s;
    target[i] = match[i];
    weight[i] = match[i] < 0 ? 0.0f : pivotWeight;
}
