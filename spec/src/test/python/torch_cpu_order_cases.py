"""Tie-heavy float32 vectors and what torch 1.13 on the CPU returns for them: the oracle of TorchCpuOrderTest.

Usage: python3 torch_cpu_order_cases.py OUT [SEED] [CASES]

Writes, per case, three lines: "<op> <k> <n>", the n values as float32 bit patterns (signed int32, so NaN
payloads and -0.0 survive exactly), and torch's answer: for topk and argsort the indices returned
(topk(x, k, largest=True, sorted=True).indices, argsort(x, descending=True)); for bf16 the bit patterns of
x.to(bfloat16); for bf16-penalised those of x.to(bfloat16) + the released text prior's penalty mask (an int tensor of
-65516 cast to bfloat16, as the original casts it to the score dtype). Exits 3 if torch is not 1.13.
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


def score_like(rng, n):
    """Finite column-sum-like values over many magnitudes, some exactly halfway between two bfloat16 values."""
    v = []
    for _ in range(n):
        x = rng.uniform(0, 2) * 10.0 ** rng.uniform(-6, 5.2)
        if rng.random() < 0.2:   # a bfloat16 value plus half its ulp: the tie-to-even case
            b = torch.tensor([x]).to(torch.bfloat16).float().item()
            x = b + b * 2.0 ** -8
        v.append(-x if rng.random() < 0.05 else x)
    return torch.tensor(v, dtype=torch.float32)


def bits_of(x):
    return struct.unpack("<%di" % x.numel(), struct.pack("<%df" % x.numel(), *x.float().tolist()))


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
            if c % 5 == 3:
                x = score_like(rng, n)
                op, k = "bf16", n
                answer = bits_of(x.to(torch.bfloat16))
            elif c % 5 == 4:
                x = score_like(rng, n)
                mask = torch.full((n,), -65516).to(dtype=torch.bfloat16)
                op, k = "bf16-penalised", n
                answer = bits_of(x.to(torch.bfloat16) + mask)
            elif c % 2 == 0:
                op, k = "topk", k_for(rng, n)
                answer = torch.topk(x, k, largest=True, sorted=True).indices.tolist()
            else:
                op, k = "argsort", n
                answer = torch.argsort(x, descending=True).tolist()
            f.write("%s %d %d\n" % (op, k, n))
            f.write(" ".join(map(str, bits_of(x))) + "\n")
            f.write(" ".join(map(str, answer)) + "\n")


if __name__ == "__main__":
    main()
