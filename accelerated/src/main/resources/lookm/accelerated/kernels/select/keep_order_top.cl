// keep_order_top.cl: mirrors lookm.spec.policy.KeepOrder.top, steps (1)-(2), for every head at once.
//
// Candidates are positions [0, candidates) of a head, each with a 64-bit rank key (a larger key ranks first; the
// selectors build keys so that key order is exactly KeepOrder: score descending, and equal scores tie). The k best
// under (key descending, position ascending) are kept, plus every position >= candidates (the recent window):
//   (1) tau = the k-th largest key: the largest tau with #{key >= tau} >= k, found one bit at a time from the top
//       (integer counts: exact, and the same in every run)
//   (2) keep key > tau, then the ties key == tau in ascending position up to k - #{key > tau}
// One work-group per head; the local size must be a power of two.

int count_at_least(__global const ulong* key, const int candidates, const ulong bound, const int strict,
                   __local int* counts) {
    const int lid = get_local_id(0), size = get_local_size(0);
    int n = 0;
    for (int j = lid; j < candidates; j += size) n += strict ? (key[j] > bound) : (key[j] >= bound);
    counts[lid] = n;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = size / 2; stride > 0; stride >>= 1) {
        if (lid < stride) counts[lid] += counts[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int total = counts[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

__kernel void keep_top(__global const ulong* keys, const int tokens, const int candidates, const int k,
                       __global uchar* flags, __local int* counts) {
    const int h = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);
    __global const ulong* key = keys + (size_t)h * tokens;
    __global uchar* flag = flags + (size_t)h * tokens;
    // (1) tau, most significant bit first
    ulong tau = 0;
    for (int bit = 63; bit >= 0 && k > 0; bit--) {
        const ulong trial = tau | (1UL << bit);
        if (count_at_least(key, candidates, trial, 0, counts) >= k) tau = trial;
    }
    const int quota = k > 0 ? k - count_at_least(key, candidates, tau, 1, counts) : 0;
    // (2) strictly better than tau, and the window
    for (int j = lid; j < tokens; j += size) flag[j] = (j >= candidates || (k > 0 && key[j] > tau)) ? 1 : 0;
    barrier(CLK_GLOBAL_MEM_FENCE);
    if (lid == 0) {
        int taken = 0;
        for (int j = 0; j < candidates && taken < quota; j++)
            if (key[j] == tau) {
                flag[j] = 1;
                taken++;
            }
    }
}
