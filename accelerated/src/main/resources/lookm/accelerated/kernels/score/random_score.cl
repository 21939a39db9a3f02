// random_score.cl: mirrors lookm.reference.score.RandomScore, step (1): s[h][t] = SeededUniform.at(seed, h, t),
// a SplitMix64 hash of (seed, head, token) mapped to [0, 1) with 24 random bits (bit-identical to the Java spec).

#define GOLDEN_GAMMA 0x9E3779B97F4A7C15UL
#define MIX_1 0xBF58476D1CE4E5B9UL
#define MIX_2 0x94D049BB133111EBUL
#define FLOAT_BITS 24

// (1) One work-item per (token t, head h).
__kernel void seeded_uniform(const long seed, const int tokens, __global float* scores) {
    const int t = get_global_id(0), h = get_global_id(1);
    ulong z = (ulong)seed + ((((ulong)h) << 32) + (ulong)t + 1UL) * GOLDEN_GAMMA;
    z = (z ^ (z >> 30)) * MIX_1;
    z = (z ^ (z >> 27)) * MIX_2;
    z = z ^ (z >> 31);
    scores[(size_t)h * tokens + t] = (float)(z >> (64 - FLOAT_BITS)) * 0x1.0p-24f;
}
