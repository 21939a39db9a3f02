"""Reference variants written in PyTorch for ``lookm conform --python`` (protocol: lookm_traces.conform).

- ``h2o``: H2O as SPEC.md §2.1/§3.2 and the registered policy ``h2o`` (no sinks, window R, drop); passes
  ``lookm conform --python lookm_traces.variants:h2o --matches h2o``.
- ``broken_h2o``: the same with an off-by-one recent window (R - 1 recent, N + 1 heavy); deliberately wrong, so that
  ``lookm conform`` must fail it with a shrunk counterexample.
"""

import torch


def kv_head_scores(observation, heads: int) -> torch.Tensor:
    """(1)-(3) a_h[j] = sum of the group's recorded column sums, added in double in query-head order, then float32."""
    if observation.attention is None:
        raise ValueError("h2o needs the recorded accumulated attention (observation.attention is None)")
    group = observation.query_heads // heads
    att = observation.attention.double()
    out = []
    for kv in range(heads):
        total = att[kv * group]
        for q in range(kv * group + 1, (kv + 1) * group):
            total = total + att[q]
        out.append(total.float())
    return torch.stack(out)


def top_k(score: torch.Tensor, candidates: int, k: int) -> torch.Tensor:
    """The k best of positions [0, candidates): score descending, then position ascending (stable sort)."""
    order = torch.argsort(score[:candidates], descending=True, stable=True)
    return order[:k]


def _h2o(keys, observation, budget, window_shift: int):
    heads, tokens = keys.shape[0], keys.shape[1]
    if budget.covers_cache:
        return [torch.arange(tokens) for _ in range(heads)]
    scores = kv_head_scores(observation, heads)
    window = max(budget.recent - window_shift, 0)                         # (1) W = R
    candidates, heavy = tokens - window, budget.heavy + budget.recent - window
    kept = []
    for h in range(heads):
        top = top_k(scores[h], candidates, heavy)                          # (3) top N' of [0, T - W)
        recent = torch.arange(candidates, tokens)
        kept.append(torch.sort(torch.cat([top, recent])).values)          # (4) ascending
    return kept


def h2o(keys, values, layout, observation, budget):
    """H2O: top-N accumulated attention over the first T - R positions plus the recent R; evicted tokens dropped."""
    return _h2o(keys, observation, budget, 0)


def broken_h2o(keys, values, layout, observation, budget):
    """Deliberately broken H2O: the recent window is one token short (R - 1), the heavy part one longer."""
    return _h2o(keys, observation, budget, 1)
