"""Writes traces/src/test/resources/lookm/traces/npy/tiny.npz with NumPy, the fixture of NumpyImportTest.

Every value is a closed-form function of its indices (exact in float16), so the Java test recomputes it.
Run from the repository root: python3 traces/python/make_npz_fixture.py
"""
import numpy as np

L, HQ, HKV, T, D, W, P = 2, 4, 2, 8, 4, 2, 3
l, h, t, d = np.meshgrid(np.arange(L), np.arange(HKV), np.arange(T), np.arange(D), indexing="ij")
keys = (((l * 7 + h * 5 + t * 3 + d) % 11) - 5) / 4
values = (((l * 3 + h * 2 + t * 5 + d * 7) % 13) - 6) / 8
la, ha, ta = np.meshgrid(np.arange(L), np.arange(HQ), np.arange(T), indexing="ij")
attention = 1 + ((T - 1) / 2 - ta) * (la + ha + 1) / 64   # each head sums to T, as the format requires
lq, hq, wq, dq = np.meshgrid(np.arange(L), np.arange(HQ), np.arange(W), np.arange(D), indexing="ij")
prefill = (lq + hq + wq + dq) / 16
lp, hp, pp, dp = np.meshgrid(np.arange(L), np.arange(HQ), np.arange(P), np.arange(D), indexing="ij")
probes = -(lp + hp + pp + dp) / 16
np.savez_compressed(
    "traces/src/test/resources/lookm/traces/npy/tiny.npz",
    keys=keys.astype(np.float16), values=values.astype(np.float16),
    accumulated_attention=attention.astype(np.float32),
    image_mask=np.array([0, 0, 1, 1, 1, 0, 0, 0], dtype=bool),
    token_ids=np.array([1, 5, 32000, 32000, 32000, 7, 8, 9], dtype=np.int64),
    prefill_queries=prefill.astype(np.float32), probe_queries=probes.astype(np.float64),
    probe_positions=np.array([8, 9, 12], dtype=np.int32))
