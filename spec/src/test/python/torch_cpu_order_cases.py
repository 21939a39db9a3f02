"""Tie-heavy float32 vectors and what torch 1.13 on the CPU returns for them: the oracle of TorchCpuOrderTest.

Usage: python3 torch_cpu_order_cases.py OUT [SEED] [CASES]

Writes, per case, three lines: "<op> <k> <n>" (op: topk or argsort), the n values as float32 bit patterns
(signed int32, so NaN payloads and -0.0 survive exactly), and the indices torch returned
(topk(x, k, largest=True, sorted=True).indices, or argsort(x, descending=True)). Exits 3 if torch is not 1.13.
"""
import random
import struct
import sys

import torch

SIZES = [(1, 40), (17, 140), (140, 700), (700, 2100)]   # short runs, around the 16 threshold, the golden sizes


def values(rng, n):
    """A vector with many ties: a few distinct levels, some NaN or infinities, sometimes a continuous part."""
    kind = rng.randrange(5)
    if kind == 0:      # a handful of integer levels
        levels = rng.randint(1, 6)
        v = [float(rng.randrange(levels)) for _ in range(n)]
    elif kind == 1:    # one dominant level (the released text prior's grid) and a few others
        v = [-65516.0 if rng.random() < 0.9 else float(rng.randrange(3)) for _ in range(n)]
    elif kind == 2:    # continuous with duplicated values
        pool = [rng.uniform(-1, 1) for _ in range(max(1, n // rng.randint(1, 8)))]
        v = [rng.choice(pool) for _ in range(n)]
    elif kind == 3:    # all equal
        v = [0.5] * n
    else:              # distinct values (no ties)
        v = [rng.uniform(0, 1) for _ in range(n)]
    specials = [float("nan"), float("inf"), float("-inf"), -0.0]
    for i in range(n):
        if rng.random() < 0.03:
            v[i] = rng.choice(specials)
    return torch.tensor(v, dtype=torch.float32)


def k_for(rng, n):
    """Half the cases in topk's partial_sort regime (k·64 <= n) when n allows, the rest nth_element + sort."""
    if n >= 64 and rng.random() < 0.5:
        return rng.randint(1, n // 64)
    return rng.randint(max(1, n // 64 + 1), n)


def main():
    out, seed, cases = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 12, int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    if not torch.__version__.startswith("1.13"):
        print("torch " + torch.__version__ + " is not 1.13", file=sys.stderr)
        sys.exit(3)
    rng = random.Random(seed)
    with open(out, "w") as f:
        for c in range(cases):
            lo, hi = SIZES[c % len(SIZES)]
            n = rng.randint(lo, hi)
            x = values(rng, n)
            if c % 2 == 0:
                op, k = "topk", k_for(rng, n)
                idx = torch.topk(x, k, largest=True, sorted=True).indices
            else:
                op, k = "argsort", n
                idx = torch.argsort(x, descending=True)
            bits = struct.unpack("<%di" % n, struct.pack("<%df" % n, *x.tolist()))
            f.write("%s %d %d\n" % (op, k, n))
            f.write(" ".join(map(str, bits)) + "\n")
            f.write(" ".join(map(str, idx.tolist())) + "\n")


if __name__ == "__main__":
    main()
