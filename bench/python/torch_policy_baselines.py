"""PyTorch baselines of whole compressions, the same math as the testbed's policies done well on the CPU (batched
over heads, causal row blocks so that T x T is never held, float32, torch's own BLAS), to time back to back with
`lookm bench` (bench/python/back_to_back.sh; bench/RESULTS.md):

  snapkv-32  window attention of the last 32 queries, max pool 7, top-(C-32) + last 32, gather (SPEC.md 2.2, 3.2)
  h2o        accumulated attention recomputed from all prefill Q and K, top-N over [0, T-R) + recent R, gather (2.1, 3.2)
  lookm      accumulated attention, released text prior (Lambda = 65516, float32), pivot merge of K and V (3.3, 4.1, 4.3)
  kvpress-snapkv  kvpress SnapKVPress: window of the last min(64, C) queries, mean over the window, avg pool 5 (zero
                 padding, / 5), the window scored max + 1, plain top-C, gather (2.6.5)
  streaming-llm  4 sinks + the last C - 4 tokens: two slices concatenated (no scores, no index gather) (3.4)
  matmul-causal  the yardstick: only the causal Q.K^T in row blocks (torch's float32 BLAS on the same cores)

Budget: heavy and recent ratios 0.1 (N = R = floor(0.1 T)), as `lookm bench`'s default. Layout: the synthetic layer
of `lookm bench` (a text prefix of 5 %, one image of 60 %, text after). Before timing it checks, on a small layer,
that the blockwise column sums equal the authors' formula (softmax of the full masked logits, summed).

  python bench/python/torch_policy_baselines.py [--shape 32,4096,128] [--policies snapkv-32,h2o,lookm] [--repetitions 3]
"""
import argparse
import json
import math
import statistics
import time

import torch

RATIO = 0.1                 # heavy and recent ratios (lookm bench's default budget)
ROW_BLOCK = 512             # query rows per block of the accumulated attention
SNAPKV_WINDOW = 32          # snapkv-32: window length
SNAPKV_KERNEL = 7           # snapkv-32: max-pool kernel
KVPRESS_WINDOW = 64         # kvpress-snapkv: window length (kvpress's default window_size)
KVPRESS_KERNEL = 5          # kvpress-snapkv: average-pool kernel (kvpress's default kernel_size)
KVPRESS_PAD_ABOVE_MAX = 1.0  # kvpress-snapkv: the window positions score the layer's max + 1
STREAMING_SINKS = 4         # streaming-llm: attention sinks
TEXT_PRIOR_PENALTY = 65516.0   # the released text prior's constant (Lambda)
PREFIX_SHARE, IMAGE_SHARE = 0.05, 0.6
CHECK_SHAPE = (2, 300, 32)  # the self-check's layer
CHECK_TOLERANCE = 1e-5      # relative to the largest column sum


def layout(tokens):
    """(T,) bool, True for image tokens: text prefix, one image, text (lookm bench's SyntheticLayer.make)."""
    prefix = max(1, int(tokens * PREFIX_SHARE))
    image = min(tokens - prefix, int(tokens * IMAGE_SHARE))
    is_image = torch.zeros(tokens, dtype=torch.bool)
    is_image[prefix:prefix + image] = True
    return is_image


def column_sums(q, k, first_row=0):
    """q (H, n, D) rows at positions first_row.., k (H, T, D) -> (H, T): sum_i softmax_j(q_i k_j / sqrt(D), j <= p_i)."""
    h, n, d = q.shape
    tokens = k.shape[1]
    out = torch.zeros(h, tokens)
    scale = 1.0 / math.sqrt(d)
    for i0 in range(0, n, ROW_BLOCK):
        i1 = min(n, i0 + ROW_BLOCK)
        visible = min(tokens, first_row + i1)                     # the block's causal prefix of keys
        logits = torch.matmul(q[:, i0:i1], k[:, :visible].transpose(1, 2)).mul_(scale)
        rows = torch.arange(first_row + i0, first_row + i1).unsqueeze(1)
        logits.masked_fill_(torch.arange(visible).unsqueeze(0) > rows, float("-inf"))
        out[:, :visible] += torch.softmax(logits, dim=-1).sum(1)
    return out


def authors_column_sums(q, k):
    """The authors' formula on the whole (T, T): softmax(q k^T / sqrt(D) + causal mask).sum over rows."""
    t, d = q.shape[1], q.shape[2]
    mask = torch.full((t, t), torch.finfo(torch.float32).min).triu(1)
    return torch.softmax(torch.matmul(q, k.transpose(1, 2)) / math.sqrt(d) + mask, dim=-1).sum(1)


def gather(x, kept):
    """x (H, T, D), kept (H, C) ascending -> (H, C, D)."""
    return torch.gather(x, 1, kept.unsqueeze(-1).expand(-1, -1, x.shape[2]))


def budget(tokens):
    return int(tokens * RATIO), int(tokens * RATIO)


def top_k_with_window(scores, candidates, count):
    """Top-count of scores (H, T) over [0, candidates) plus [candidates, T), ascending positions."""
    h, tokens = scores.shape
    top = torch.topk(scores[:, :candidates], count, dim=1).indices if count > 0 else torch.empty(h, 0, dtype=torch.long)
    window = torch.arange(candidates, tokens).expand(h, -1)
    return torch.sort(torch.cat([top, window], dim=1), dim=1).values


def snapkv_32(q, k, v, is_image):
    tokens = k.shape[1]
    heavy, recent = budget(tokens)
    window = min(SNAPKV_WINDOW, heavy + recent)
    candidates = tokens - window
    s = column_sums(q[:, tokens - window:], k, first_row=tokens - window)[:, :candidates]
    pooled = torch.nn.functional.max_pool1d(s.unsqueeze(1), SNAPKV_KERNEL, stride=1, padding=SNAPKV_KERNEL // 2).squeeze(1)
    kept = top_k_with_window(pooled, candidates, heavy + recent - window)
    return gather(k, kept), gather(v, kept)


def kvpress_snapkv(q, k, v, is_image):
    tokens = k.shape[1]
    heavy, recent = budget(tokens)
    kept_count = heavy + recent
    window = min(KVPRESS_WINDOW, kept_count)
    candidates = tokens - window
    s = column_sums(q[:, tokens - window:], k, first_row=tokens - window)[:, :candidates]
    pooled = torch.nn.functional.avg_pool1d(s.unsqueeze(1), KVPRESS_KERNEL, stride=1, padding=KVPRESS_KERNEL // 2).squeeze(1)
    pooled /= window                                          # the mean over the window rows (group of one: Hq = Hkv here)
    scores = torch.cat([pooled, torch.full((k.shape[0], window), pooled.max().item() + KVPRESS_PAD_ABOVE_MAX)], dim=1)
    kept = torch.sort(torch.topk(scores, kept_count, dim=1).indices, dim=1).values
    return gather(k, kept), gather(v, kept)


def streaming_llm(q, k, v, is_image):
    tokens = k.shape[1]
    heavy, recent = budget(tokens)
    last = heavy + recent - STREAMING_SINKS
    return (torch.cat([k[:, :STREAMING_SINKS], k[:, tokens - last:]], dim=1),
            torch.cat([v[:, :STREAMING_SINKS], v[:, tokens - last:]], dim=1))


def h2o(q, k, v, is_image):
    tokens = k.shape[1]
    heavy, recent = budget(tokens)
    kept = top_k_with_window(column_sums(q, k), tokens - recent, heavy)
    return gather(k, kept), gather(v, kept)


def lookm(q, k, v, is_image):
    tokens = k.shape[1]
    heavy, recent = budget(tokens)
    a = column_sums(q, k)
    # released text prior: b = fl32(a - Lambda) on image tokens and the window; top-N; b = 0 there; keep b >= 0
    penalized = is_image.clone()
    penalized[tokens - recent:] = True
    b = torch.where(penalized, a - TEXT_PRIOR_PENALTY, a)
    top = torch.topk(b[:, :tokens - recent], heavy, dim=1).indices
    b.scatter_(1, top, 0.0)
    b[:, tokens - recent:] = 0.0
    keep = b >= 0
    counts = keep.sum(1)
    if bool((counts == counts[0]).all()):                          # equal kept counts: every head in one batch
        return pivot_merge(k, v, keep)
    merged = [pivot_merge(k[h:h + 1], v[h:h + 1], keep[h:h + 1]) for h in range(k.shape[0])]
    return [m[0] for m in merged], [m[1] for m in merged]


def pivot_merge(k, v, keep):
    """Pivot merge of K and V, heads batched (equal kept counts): match = argmax cosine of keys (zero norm -> 0),
    row'_r = [row_r + sum_{s->r} (row_s + row_r)/2] / (1 + n_r); the same match for V."""
    h, tokens, d = k.shape
    kept = keep.nonzero()[:, 1].reshape(h, -1)
    evicted = (~keep).nonzero()[:, 1].reshape(h, -1)
    kk, ke = gather(k, kept), gather(k, evicted)
    similarity = torch.bmm(torch.nn.functional.normalize(ke, dim=2), torch.nn.functional.normalize(kk, dim=2).transpose(1, 2))
    match = similarity.argmax(dim=2)                                               # (H, P)
    counts = torch.zeros(h, kept.shape[1]).scatter_add_(1, match, torch.ones(match.shape)).unsqueeze(2)
    out = []
    for x, rows in ((k, kk), (v, gather(v, kept))):
        numerator = rows + counts * 0.5 * rows
        numerator.scatter_add_(1, match.unsqueeze(2).expand(-1, -1, d), 0.5 * gather(x, evicted))
        out.append(numerator / (1 + counts))
    return out[0], out[1]


def causal_matmul(q, k, v, is_image):
    """The sgemm yardstick: per row block, Q_block . K[:visible]^T (the causal Q.K^T, blocks of ROW_BLOCK), nothing else."""
    n = q.shape[1]
    for i0 in range(0, n, ROW_BLOCK):
        i1 = min(n, i0 + ROW_BLOCK)
        torch.matmul(q[:, i0:i1], k[:, :i1].transpose(1, 2))


POLICIES = {"snapkv-32": snapkv_32, "kvpress-snapkv": kvpress_snapkv, "streaming-llm": streaming_llm, "h2o": h2o, "lookm": lookm, "matmul-causal": causal_matmul}


def self_check(seed):
    h, t, d = CHECK_SHAPE
    g = torch.Generator().manual_seed(seed)
    q, k = torch.randn(h, t, d, generator=g) * 2, torch.randn(h, t, d, generator=g)
    expected = authors_column_sums(q, k)
    err = ((column_sums(q, k) - expected).abs().max() / expected.abs().max()).item()
    if err > CHECK_TOLERANCE:
        raise SystemExit(f"blockwise column sums differ from the authors' formula: {err:.2e} > {CHECK_TOLERANCE}")
    return err


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", default="32,4096,128", help="H,T,D (default: one LLaVA-7B layer, 4k tokens)")
    parser.add_argument("--policies", default="snapkv-32,h2o,lookm")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    try:
        h, t, d = (int(x) for x in args.shape.split(","))
    except ValueError:
        raise SystemExit(f"--shape must be H,T,D, was {args.shape!r}")
    names = args.policies.split(",")
    for name in names:
        if name not in POLICIES:
            raise SystemExit(f"--policies: unknown policy {name!r}; known: {', '.join(POLICIES)}")
    check = self_check(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    q, k, v = (torch.randn(h, t, d, generator=g) for _ in range(3))
    is_image = layout(t)
    results = {}
    with torch.no_grad():
        for name in names:
            for _ in range(args.warmup):
                POLICIES[name](q, k, v, is_image)
            times = []
            for _ in range(args.repetitions):
                start = time.perf_counter()
                POLICIES[name](q, k, v, is_image)
                times.append(time.perf_counter() - start)
            results[name] = {"seconds": times, "median_seconds": statistics.median(times)}
    print(json.dumps({"shape": [h, t, d], "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "column_sums_vs_authors_formula": check, "policies": results}))


if __name__ == "__main__":
    main()
