// mean_similarity_filter.cl: mirrors lookm.reference.merge.MeanSimilarityFilter, step (3).
//   mu(s) = mean of m_h(s) over the heads that have slot s (s < count_h);  mu_bar = mean over all heads' slots;
//   keep s iff mu(s) >= mu_bar  (equal counts: mu(s) = (1/H) * sum_h m_h(s), the released code)
// One work-group (power-of-two size) does it all, in a fixed order: each work-item sums the heads of its slots
// (s = lid, lid + size, ...), the partial totals are added in work-item order. Sums are compensated (Kahan), so the
// float32 result is close to the reference's double sums.

typedef struct { float sum; float carry; } Kahan;

Kahan kahan_add(Kahan k, const float x) {
    const float y = x - k.carry;
    const float t = k.sum + y;
    k.carry = (t - k.sum) - y;
    k.sum = t;
    return k;
}

float slot_sum(__global const float* similarity, __global const int* counts, const int heads, const int stride, const int s) {
    Kahan k = {0.0f, 0.0f};
    for (int h = 0; h < heads; h++)
        if (s < counts[h]) k = kahan_add(k, similarity[(size_t)h * stride + s]);
    return k.sum;
}

int slot_heads(__global const int* counts, const int heads, const int s) {
    int n = 0;
    for (int h = 0; h < heads; h++) n += s < counts[h] ? 1 : 0;
    return n;
}

__kernel void keep_slots(__global const float* similarity, __global const int* counts, const int heads, const int slots,
                         const int entries, const int stride, __global uchar* keep, __local float* partial) {
    const int lid = get_local_id(0), size = get_local_size(0);
    Kahan mine = {0.0f, 0.0f};
    for (int s = lid; s < slots; s += size) mine = kahan_add(mine, slot_sum(similarity, counts, heads, stride, s));
    partial[lid] = mine.sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
        Kahan total = {0.0f, 0.0f};
        for (int i = 0; i < size; i++) total = kahan_add(total, partial[i]);
        partial[0] = total.sum / (float)entries;                         // mu_bar
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const float overall = partial[0];
    for (int s = lid; s < slots; s += size)
        keep[s] = slot_sum(similarity, counts, heads, stride, s) / (float)slot_heads(counts, heads, s) >= overall ? 1 : 0;
}
