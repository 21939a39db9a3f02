"""Writes traces/src/test/resources/lookm/traces/scores/tiny.{npy,arrow} with lookm_scores (NumPy, pyarrow), the
fixtures of ScoreFileTest. Scores are closed-form in their indices, s = 100·l + 10·h + t + 0.25 (exact in float32), so
the Java test recomputes every value. Run from the repository root: python3 traces/python/make_score_fixtures.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import lookm_scores  # noqa: E402

L, H, T = 2, 3, 5
OUT = "traces/src/test/resources/lookm/traces/scores"
l, h, t = np.meshgrid(np.arange(L), np.arange(H), np.arange(T), indexing="ij")
scores = (100 * l + 10 * h + t + 0.25).astype(np.float32)
os.makedirs(OUT, exist_ok=True)
lookm_scores.save_npy(f"{OUT}/tiny.npy", scores)
lookm_scores.save_arrow(f"{OUT}/tiny.arrow", scores)
