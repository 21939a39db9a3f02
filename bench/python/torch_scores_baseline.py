"""PyTorch baseline of the score stage: LOOK-M's accumulated attention computed as the authors' code computes it
(softmax(Q K^T / sqrt(d) + causal mask, dim=-1, dtype=float32), then column sums: ../shared/golden manifests quote
H2OLlamaAttention_drop.forward), on the CPU. First reproduces every golden case's attn_colsum, then times one layer,
to put beside the score stage of `lookm bench` run just before or after (bench/RESULTS.md). By hand, not a test:

  python bench/python/torch_scores_baseline.py [--golden ../shared/golden] [--shape 32,4096,128] [--repetitions 3]
"""
import argparse
import json
import math
import os
import statistics
import time

import numpy as np
import torch

GOLDEN_TOLERANCE = 1e-5   # relative to the largest column sum: the golden values came from this very computation


def authors_column_sums(q, k):
    """q, k (1, H, T, D) float32 -> (H, T): attn = softmax(q k^T / sqrt(D) + causal mask, float32); attn.sum(0).sum(1)."""
    t, d = q.shape[2], q.shape[3]
    mask = torch.full((t, t), torch.finfo(torch.float32).min).triu(1)          # _make_causal_mask: min above the diagonal
    logits = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d) + mask
    attn = torch.softmax(logits, dim=-1, dtype=torch.float32)
    return attn.sum(0).sum(1)


def check_golden(root):
    cases = sorted(c for c in os.listdir(root) if os.path.isfile(os.path.join(root, c, "manifest.json")))
    for case in cases:
        load = lambda name: torch.from_numpy(np.load(os.path.join(root, case, name)))   # noqa: E731
        expected = load("attn_colsum.npy")
        got = authors_column_sums(load("Q.npy"), load("K.npy"))
        err = ((got - expected).abs().max() / expected.abs().max()).item()
        print(f"golden {case}: max relative difference {err:.2e}")
        if err > GOLDEN_TOLERANCE:
            raise SystemExit(f"golden {case}: the baseline does not reproduce attn_colsum ({err:.2e} > {GOLDEN_TOLERANCE})")
    return len(cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--golden", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "golden"))
    parser.add_argument("--shape", default="32,4096,128", help="H,T,D of the timed layer (default LLaVA-7B, 4k tokens)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    checked = check_golden(args.golden) if os.path.isdir(args.golden) else 0
    h, t, d = (int(x) for x in args.shape.split(","))
    g = torch.Generator().manual_seed(args.seed)
    q, k = torch.randn(1, h, t, d, generator=g), torch.randn(1, h, t, d, generator=g)
    with torch.no_grad():
        for _ in range(args.warmup):
            authors_column_sums(q, k)
        times = []
        for _ in range(args.repetitions):
            start = time.perf_counter()
            authors_column_sums(q, k)
            times.append(time.perf_counter() - start)
    print(json.dumps({"shape": [h, t, d], "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "golden_cases_reproduced": checked, "seconds": times, "median_seconds": statistics.median(times)}))


if __name__ == "__main__":
    main()
