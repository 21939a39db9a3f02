"""Reference variants written in PyTorch for ``lookm conform --python`` (protocol: lookm_traces.conform).

- ``h2o``: H2O as SPEC.md §2.1/§3.2 and the registered policy ``h2o`` (no sinks, window R, drop); passes
  ``lookm conform --python lookm_traces.variants:h2o --matches h2o``.
- ``lookm``: LOOK-M as the registered ``lookm`` (SPEC.md §3.3 released text prior + §4.1/§4.3 pivot merge);
  passes ``lookm conform --python lookm_traces.variants:lookm --matches lookm``.
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


TEXT_PRIOR_PENALTY = 65516.0
"""Λ of the released text prior (SPEC.md §3.3; Policies.TEXT_PRIOR_PENALTY on the Java side)."""

PIVOT = 0.5
"""Pivot merge: each merged token contributes (k_s + k_r)/2, weight 1/2 on k_s and 1/2 on k_r (SPEC.md §4.3)."""


def released_text_prior(score: torch.Tensor, is_image: torch.Tensor, budget) -> torch.Tensor:
    """SPEC.md §3.3 RELEASED, one head: (1) b = fl32(a - Λ) on image and window positions, (2) S = top-N of b over
    [0, T - R), (3) b = 0 on S and the window; kept = {j : b[j] >= 0}, ascending."""
    if bool((score < 0).any()):
        raise ValueError("released text prior needs scores >= 0")
    tokens = score.shape[0]
    recent_start = tokens - budget.recent
    penalised = is_image.clone()
    penalised[recent_start:] = True
    b = torch.where(penalised, score - torch.tensor(TEXT_PRIOR_PENALTY, dtype=torch.float32), score)   # (1) float32
    top = top_k(b, recent_start, budget.heavy)                                                          # (2)
    b[top] = 0.0                                                                                        # (3)
    b[recent_start:] = 0.0
    return torch.nonzero(b >= 0).flatten()


def pivot_merge(keys: torch.Tensor, values: torch.Tensor, kept: torch.Tensor):
    """SPEC.md §4.1 + §4.3, one head: each evicted token's most cosine-similar kept key (ties to the lowest kept
    index; zero keys have cosine 0), then row'_r = [row_r + sum_{s->r} (row_s + row_r)/2] / (1 + n_r) in double,
    for keys and values with the same match. Rows nothing merges into stay bit-identical."""
    tokens = keys.shape[0]
    evicted_mask = torch.ones(tokens, dtype=torch.bool)
    evicted_mask[kept] = False
    evicted = torch.nonzero(evicted_mask).flatten()
    new_keys, new_values = keys[kept].clone(), values[kept].clone()
    if kept.numel() == 0 or evicted.numel() == 0:
        return new_keys, new_values

    def unit(rows):
        # sum of squares and dot products added in dimension order, in double, as the reference (Rows.normalize,
        # EJML multTransB), so that exact cosine ties break the same way; zero rows stay zero (cosine 0)
        rows = rows.double()
        norm = torch.zeros(rows.shape[0], dtype=torch.float64)
        for c in range(rows.shape[1]):
            norm = norm + rows[:, c] * rows[:, c]
        inverse = torch.where(norm > 0, 1.0 / torch.sqrt(torch.where(norm > 0, norm, torch.ones_like(norm))), torch.ones_like(norm))
        return rows * inverse.unsqueeze(1)

    a, b = unit(keys[evicted]), unit(keys[kept])
    similarity = torch.zeros(a.shape[0], b.shape[0], dtype=torch.float64)    # (1) U (|E|, C)
    for c in range(a.shape[1]):
        similarity = similarity + a[:, c:c + 1] * b[:, c].unsqueeze(0)
    match = torch.argmax(similarity, dim=1)                                  # (2) first maximum: lowest kept index
    count = torch.bincount(match, minlength=kept.numel())
    for data, out in ((keys, new_keys), (values, new_values)):
        numerator = out.double().clone()
        numerator.index_add_(0, match, PIVOT * data[evicted].double() + PIVOT * out[match].double())
        merged = count > 0
        out[merged] = (numerator[merged] / (1 + count[merged]).unsqueeze(1).double()).float()
    return new_keys, new_values


def lookm(keys, values, layout, observation, budget):
    """LOOK-M TP+P-Merge (the authors' default, registered as ``lookm``): released text prior, then pivot merge."""
    heads, tokens = keys.shape[0], keys.shape[1]
    if budget.covers_cache:
        return [torch.arange(tokens) for _ in range(heads)]
    scores = kv_head_scores(observation, heads)
    kept, merged_keys, merged_values = [], [], []
    for h in range(heads):
        k = released_text_prior(scores[h], layout.is_image, budget)
        mk, mv = pivot_merge(keys[h], values[h], k)
        kept.append(k)
        merged_keys.append(mk)
        merged_values.append(mv)
    return kept, merged_keys, merged_values
