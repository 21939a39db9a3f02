// lookm_tiles.h: the one header shared by the kernel files (KernelSource inlines it where a file says
// #include "lookm_tiles.h"; OpenCL compilers cannot see the classpath).
// Register tiles: a work-item keeps LANES rows in the lanes of one vector (floatV) and walks the other operand
// CHUNK rows at a time. Build options -DLANES=<2|4|8|16> -DCHUNK=<n> -DHEAD_DIM=<D> (lookm.accelerated.cl.Tiling).

#ifndef LOOKM_TILES_H
#define LOOKM_TILES_H

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define floatV CAT(float, LANES)
#define intV CAT(int, LANES)
#define vloadV CAT(vload, LANES)
#define vstoreV CAT(vstore, LANES)

// Lane l holds index l: j0 + vloadV(0, LANE_INDEX) is the vector of the tile's LANES positions.
__constant int LANE_INDEX[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

// Sum of the LANES lanes of a floatV in a fixed order (halves added pairwise): deterministic.
inline float hsum2(const float2 v) { return v.s0 + v.s1; }
inline float hsum4(const float4 v) { return hsum2(v.lo + v.hi); }
inline float hsum8(const float8 v) { return hsum4(v.lo + v.hi); }
inline float hsum16(const float16 v) { return hsum8(v.lo + v.hi); }
#define hsumV CAT(hsum, LANES)

// The register tile of every Q.K^T-like kernel: acc[c] = sum_d aT[d * aStride] * b[c * HEAD_DIM + d] for c < CHUNK,
// aT the LANES rows of one operand transposed (one vector per d), b CHUNK rows of the other, row-major. D innermost,
// ascending: a fixed summation order.
inline void tile_dot(floatV acc[CHUNK], __global const float* aT, const int aStride, __global const float* b) {
    #pragma unroll
    for (int c = 0; c < CHUNK; c++) acc[c] = (floatV)(0.0f);
    for (int d = 0; d < HEAD_DIM; d++) {
        const floatV ad = vloadV(0, aT + (size_t)d * aStride);
        #pragma unroll
        for (int c = 0; c < CHUNK; c++) acc[c] = fma(ad, (floatV)(b[c * HEAD_DIM + d]), acc[c]);
    }
}

#endif
