// average_merge.cl: mirrors lookm.reference.merge.AverageMerge, steps (3)-(4) (the assignment; steps (1)-(2) are
// cosine_match.cl, (3) mean_similarity_filter.cl, step (5) is match_merge.cl). Output per evicted slot: the kept row it is added into
// (-1: not merged) and the weight of its row. match = -1 means the head keeps nothing.

#define PAIRING_CORRECT 0
#define PAIRING_RELEASED_MISPAIRED 1

// (4) pairing: the q-th filtered slot f_q goes to match(f_q); its row is e_{f_q} (CORRECT) or e_q (RELEASED_MISPAIRED).
// One work-item per head (the pairing counts filtered slots in order).
__kernel void assign_filtered_pairs(__global const int* match, __global const uchar* keep, const int stride,
                                    __global const int* evictedCounts, const int pairing,
                                    __global int* target, __global float* weight) {
    const int h = get_global_id(0);
    const int evicted = evictedCounts[h];
    __global const int* m = match + (size_t)h * stride;
    __global int* t = target + (size_t)h * stride;
    __global float* w = weight + (size_t)h * stride;
    for (int s = 0; s < evicted; s++) {
        t[s] = -1;
        w[s] = 0.0f;
    }
    int q = 0;
    for (int s = 0; s < evicted; s++) {
        if (!keep[s] || m[s] < 0) continue;
        const int source = pairing == PAIRING_CORRECT ? s : q++;
        t[source] = m[s];
        w[source] = 1.0f;
    }
}

