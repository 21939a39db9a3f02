// text_prior_select.cl: mirrors lookm.reference.select.TextPriorSelect. RELEASED steps (1) and (3), BUDGETED
// step (1)-(2) as one key; the top-N itself (RELEASED step 2, BUDGETED steps 1-2) is keep_order_top.cl.

#define TEXT_PRIOR_PENALTY 65516.0f
// Λ rounded to bfloat16 (ScorePrecision.BF16: the penalty mask is a bfloat16 tensor there)
#define TEXT_PRIOR_PENALTY_BF16 65536.0f
#define BF16_HALF_ULP 0x7FFFu
#define BF16_MASK 0xFFFF0000u
#define TEXT_KEY (1UL << 32)

ulong order_key(float score) {
    const uint bits = as_uint(score == 0.0f ? 0.0f : score);
    return (ulong)((bits & 0x80000000u) ? ~bits : (bits | 0x80000000u));
}

// Round to the nearest bfloat16, ties to even (ScorePrecision.toBf16; finite inputs).
float to_bf16(const float x) {
    const uint bits = as_uint(x);
    return as_float((bits + BF16_HALF_ULP + ((bits >> 16) & 1u)) & BF16_MASK);
}

// RELEASED (1): b[j] = a[j] - 65516 (float32) for image or window positions, else a[j];
// bf16 scores: b[j] = bf16(a[j] - 65536), as torch adds two bfloat16 tensors (ScorePrecision.penalised).
float adjusted(const float a, const uchar image, const int j, const int recentStart, const int bf16) {
    if (!(image || j >= recentStart)) return a;
    return bf16 ? to_bf16(a - TEXT_PRIOR_PENALTY_BF16) : a - TEXT_PRIOR_PENALTY;
}

// RELEASED (1)-(2): rank key of b. One work-item per (token j, head h).
__kernel void rank_keys_released(__global const float* scores, __global const uchar* isImage, const int tokens,
                                 const int recentStart, const int bf16, __global ulong* keys) {
    const int j = get_global_id(0), h = get_global_id(1);
    const size_t i = (size_t)h * tokens + j;
    keys[i] = order_key(adjusted(scores[i], isImage[j], j, recentStart, bf16));
}

// RELEASED (3): after b := 0 on the top-N and on the window, keep every j with b[j] >= 0, i.e. add the
// candidates whose adjusted score is already >= 0 (the text outside the window) to the top-N and window flags.
__kernel void keep_released_rule(__global const float* scores, __global const uchar* isImage, const int tokens,
                                 const int recentStart, const int bf16, __global uchar* flags) {
    const int j = get_global_id(0), h = get_global_id(1);
    const size_t i = (size_t)h * tokens + j;
    if (j < recentStart && adjusted(scores[i], isImage[j], j, recentStart, bf16) >= 0.0f) flags[i] = 1;
}

// BUDGETED (1)-(2): text before image, then score descending (then position ascending, in keep_top).
__kernel void rank_keys_budgeted(__global const float* scores, __global const uchar* isImage, const int tokens,
                                 __global ulong* keys) {
    const int j = get_global_id(0), h = get_global_id(1);
    const size_t i = (size_t)h * tokens + j;
    keys[i] = (isImage[j] ? 0UL : TEXT_KEY) | order_key(scores[i]);
}
