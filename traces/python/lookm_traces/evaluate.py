"""Closed-loop evaluation: does a policy's compressed cache change what the model says?

    python -m lookm_traces.evaluate --model M [--image F ...] [--video F.npy ...] --prompt P \\
        --trace T --decisions D [--steps 16] [--out report.json]

T is the trace record_trace.py recorded from that model, prompt and media; D is what ``lookm replay --trace T
--policy ... --export-decisions D`` wrote (bench/README.md, "Decisions"). The evaluator

  1. refuses decisions made on another trace (the SHA-256 of each trace file in D's manifest must match T's files) and
     a model or prompt that does not reproduce T (its token ids, and every layer's post-RoPE prefill keys and values
     within the trace dtype's rounding);
  2. prefills the prompt once, then continues from two copies of that cache:
       * full: the model's own cache, greedy decoding for --steps steps;
       * compressed: the same cache with, per layer and KV head, the evicted prompt positions masked out of attention
         (a registered attention function adds -inf at them for that head's query heads, then hands on to the
         implementation the model was loaded with) and, when the policy merges, the kept rows that received merged
         tokens replaced by the merged keys and values. The cache keeps its length, so new tokens get the positions
         (and, for Qwen2-VL, the M-RoPE positions) the model gives them after the full prompt;
  3. reports per step the KL divergence KL(full || compressed) of the next-token distribution and whether the top-1
     tokens agree, TEACHER-FORCED: both caches are fed the full cache's greedy tokens, so every step compares the two
     on the same history; and, free-running, the greedy continuation of each cache and the first step where they differ.

Token 0 of a continuation is predicted by the prefill itself, before any compression (LOOK-M and kvpress compress
at the end of prefill), so both agree on it by construction; the steps compared are the --steps decode steps after it.
Layers the decisions do not cover (``replay --layers N``) keep their full cache; the report says how many were
compressed. Needs torch and transformers (``pip install -e 'traces/python[record]'``).
"""
import argparse
import copy
import json
import os
import sys
from dataclasses import dataclass

import numpy as np
import torch

DECISIONS_FORMAT, DECISIONS_VERSION = "lookm-decisions", 1
MANIFEST = "decisions.json"
EVALUATION_ATTENTION = "lookm_evaluate"
DEFAULT_STEPS = 16
USAGE_ERROR = 2
# Prefill check: |model - trace| <= KEY_TOLERANCE_ULPS * u * max|trace row| per (layer, head), with u the trace
# dtype's unit roundoff (storing rounds once: 1 ulp; the rest is room for a BLAS that sums in another order).
KEY_TOLERANCE_ULPS = 8
UNIT_ROUNDOFF = {"float16": 2.0 ** -11, "float32": 2.0 ** -24}
FLOAT32_CHECK_FLOOR = 1e-6        # relative; a float32 trace re-run on other hardware differs by more than 8 ulps


class EvaluationError(ValueError):
    """Refused input: decisions of another trace, a model or prompt that does not reproduce the trace, a bad file."""


@dataclass
class LayerDecision:
    """One layer's decisions. keep: (Hkv, T) bool; merged: per KV head (positions (M,), keys (M, D), values (M, D)), the
    kept rows that received merged tokens, or empty when the policy does not merge."""
    keep: np.ndarray
    merged: list


@dataclass
class Decisions:
    directory: str
    manifest: dict
    layers: dict            # layer index -> LayerDecision

    @property
    def policy(self):
        return self.manifest["policy"]["name"]


def _fail(where, message):
    raise EvaluationError(f"{where}: {message}")


def load_decisions(decisions_dir, trace_dir):
    """Reads D = decisions_dir and checks it belongs to the trace at trace_dir (every SHA-256 its manifest lists)."""
    from lookm_trace_writer import sha256_of
    path = os.path.join(decisions_dir, MANIFEST)
    if not os.path.isfile(path):
        _fail(decisions_dir, f"no {MANIFEST}: not a directory written by 'lookm replay --export-decisions'")
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != DECISIONS_FORMAT or manifest.get("version") != DECISIONS_VERSION:
        _fail(path, f"format {manifest.get('format')!r} version {manifest.get('version')!r}; this evaluator reads "
                    f"{DECISIONS_FORMAT!r} version {DECISIONS_VERSION}")
    trace = manifest["trace"]
    if not trace.get("sha256"):
        _fail(path, "the manifest names no trace file checksums: cannot tell which trace the decisions belong to")
    for name, digest in sorted(trace["sha256"].items()):
        file = os.path.join(trace_dir, name)
        if not os.path.isfile(file):
            _fail(trace_dir, f"has no {name}, which the decisions' trace {trace['path']} has: decisions of another trace")
        if sha256_of(file) != digest:
            _fail(decisions_dir, f"the decisions were made on another trace: {name} of {trace_dir} has another SHA-256 than "
                                 f"the one policy {manifest['policy']['name']} ran on ({trace['path']}); export decisions "
                                 f"from this trace with 'lookm replay --trace {trace_dir} --export-decisions DIR'")
    hkv, t, d = trace["kvHeads"], trace["tokens"], trace["headDim"]
    merges = bool(manifest["policy"]["merges"])
    layers = {}
    for entry in manifest["layers"]:
        file = os.path.join(decisions_dir, entry["file"])
        layers[entry["layer"]] = _layer(file, np.load(file), hkv, t, d, merges)
    return Decisions(decisions_dir, manifest, layers)


def _layer(file, z, hkv, t, d, merges):
    kept, count = z["kept"], z["kept_count"]
    if kept.ndim != 2 or kept.shape[0] != hkv or count.shape != (hkv,) or z["keys"].shape[::2] != (hkv, d):
        _fail(file, f"kept {kept.shape}, kept_count {count.shape}, keys {z['keys'].shape}: expected (H={hkv}, C), (H,), (H, C, D={d})")
    keep = np.zeros((hkv, t), dtype=bool)
    merged = []
    for h in range(hkv):
        positions = kept[h, :count[h]]
        if count[h] < 1 or (positions < 0).any() or (positions >= t).any() or (np.diff(positions) <= 0).any():
            _fail(file, f"KV head {h}: kept positions must be ascending in [0, {t}) and at least one; got {positions.tolist()}")
        keep[h, positions] = True
        slots = np.unique(z["merge_target"][h][z["merge_target"][h] >= 0]) if merges else np.zeros(0, dtype=np.int64)
        if (slots >= count[h]).any():
            _fail(file, f"KV head {h}: merge_target names kept slot {int(slots.max())} of {int(count[h])}")
        merged.append((positions[slots], z["keys"][h, slots], z["values"][h, slots]))
    return LayerDecision(keep, merged)


def _trace_table(trace_dir, name):
    import pyarrow as pa
    return pa.ipc.open_file(os.path.join(trace_dir, name))


def check_reproduces_trace(trace_dir, input_ids, cache, layers):
    """Refuses a prefill that is not the trace's: token ids (when the trace stores them), then per layer and KV head the
    post-RoPE keys and values, within KEY_TOLERANCE_ULPS of the trace dtype's rounding of each head's largest entry."""
    from record_trace import cache_layer
    layout = _trace_table(trace_dir, "layout.arrow").read_all()
    if "token_id" in layout.column_names:
        ids = layout.column("token_id").to_numpy()
        given = input_ids[0].cpu().numpy()
        if ids.shape != given.shape or (ids != given).any():
            first = next((i for i in range(min(len(ids), len(given))) if ids[i] != given[i]), min(len(ids), len(given)))
            _fail(trace_dir, f"the prompt is not the trace's: {len(given)} token ids vs the trace's {len(ids)}, first "
                             f"difference at position {first} (same prompt, images and processor as when recording?)")
    kv = _trace_table(trace_dir, "kv.arrow")
    meta = kv.schema.metadata
    hkv, dtype = int(meta[b"lookm.model.kv_heads"]), meta[b"lookm.trace.dtype"].decode()
    u = max(UNIT_ROUNDOFF[dtype], FLOAT32_CHECK_FLOOR)
    for layer in range(layers):
        k, v = cache_layer(cache, layer)
        for h in range(hkv):
            batch = kv.get_batch(layer * hkv + h)
            for name, mine in (("key", k), ("value", v)):
                stored = np.stack(batch.column(name).to_numpy(zero_copy_only=False)).astype(np.float64)
                ours = mine[0, h, :stored.shape[0]].to(torch.float64).cpu().numpy()
                bound = KEY_TOLERANCE_ULPS * u * max(float(np.abs(stored).max()), np.finfo(np.float32).tiny)
                error = float(np.abs(ours - stored).max())
                if error > bound:
                    _fail(trace_dir, f"the model's prefill does not reproduce the trace: layer {layer}, KV head {h}, {name}s differ "
                                     f"by up to {error:.3g} (allowed {bound:.3g}): same model, weights, dtype and prompt as when recording?")


_ACTIVE = []   # the Masks of the compressed continuation under way (at most one)


class Masks:
    """Per layer the additive keep mask of the compressed cache: (1, Hq, 1, T) with -inf at the positions each query
    head's KV head evicted; layers that keep everything get none, so `full` runs exactly the model's own attention."""

    def __init__(self, model, decisions, query_heads, dtype, device):
        from record_trace import language_model
        self.layer_of = {id(layer.self_attn): i for i, layer in enumerate(language_model(model).layers)}
        self.masks = {}
        for layer, decision in decisions.layers.items():
            if decision.keep.all():
                continue
            group = query_heads // decision.keep.shape[0]
            keep = torch.from_numpy(decision.keep).to(device).repeat_interleave(group, dim=0)          # (Hq, T)
            mask = torch.zeros(keep.shape, dtype=dtype, device=device).masked_fill(~keep, float("-inf"))
            self.masks[layer] = mask[None, :, None, :]

    def add(self, module, query, key, attention_mask):
        mask = self.masks.get(self.layer_of.get(id(module)))
        if mask is None:
            return attention_mask
        if query.shape[2] != 1:
            raise ValueError("the compressed cache decodes one token at a time")
        prompt = mask.shape[-1]
        extra = torch.zeros((1, mask.shape[1], 1, key.shape[2]), dtype=query.dtype, device=query.device)
        extra[..., :prompt] = mask.to(query.dtype)
        if attention_mask is None:
            return extra
        if attention_mask.dtype == torch.bool:
            attention_mask = torch.zeros(attention_mask.shape, dtype=query.dtype, device=query.device).masked_fill(
                ~attention_mask, float("-inf"))
        return attention_mask[..., :key.shape[2]] + extra

    def __enter__(self):
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc):
        _ACTIVE.remove(self)
        return False


def _evaluation_attention(module, query, key, value, attention_mask, **kwargs):
    """EVALUATION_ATTENTION: the active Masks (if any) added to the mask, then the implementation the model was loaded with."""
    if _ACTIVE:
        attention_mask = _ACTIVE[-1].add(module, query, key, attention_mask)
    return _DELEGATE[0](module)(module, query, key, value, attention_mask, **kwargs)


_DELEGATE = []


def write_merged(cache, decisions):
    """Replaces, in place, the kept rows that received merged tokens by the decisions' merged keys and values."""
    from record_trace import cache_layer
    for layer, decision in decisions.layers.items():
        k, v = cache_layer(cache, layer)
        for h, (positions, keys, values) in enumerate(decision.merged):
            if len(positions):
                index = torch.from_numpy(positions.astype(np.int64)).to(k.device)
                k[0, h, index] = torch.from_numpy(keys).to(k.dtype).to(k.device)
                v[0, h, index] = torch.from_numpy(values).to(v.dtype).to(v.device)


def _step(model, token, cache):
    out = model(input_ids=torch.tensor([[token]], device=model.device), past_key_values=cache, use_cache=True, return_dict=True)
    return out.logits[0, -1].to(torch.float64), out.past_key_values


def kl_divergence(full_logits, compressed_logits):
    """KL(p || q) = sum_v p_v (log p_v - log q_v), p = softmax(full), q = softmax(compressed), in float64; exactly 0
    for equal logits."""
    log_p, log_q = torch.log_softmax(full_logits, -1), torch.log_softmax(compressed_logits, -1)
    return float((log_p.exp() * (log_p - log_q)).sum())


@torch.no_grad()
def evaluate(model, inputs, trace_dir, decisions, steps=DEFAULT_STEPS, tokenizer=None):
    """Evaluates `decisions` (a directory, or what load_decisions read from it), made on the trace at trace_dir, which was
    recorded from `model` and `inputs` (the processor's outputs). Returns the report (a dict; see the module doc)."""
    from record_trace import attention_function, decoder_layers, routed_attention, text_config_of
    from recorder_adapters import adapter_for
    if steps < 1:
        raise EvaluationError(f"--steps must be >= 1, was {steps}")
    if not isinstance(decisions, Decisions):
        decisions = load_decisions(decisions, trace_dir)
    decisions_dir = decisions.directory
    layers = len(decoder_layers(model))
    trace = decisions.manifest["trace"]
    text = text_config_of(model)
    kv_heads = getattr(text, "num_key_value_heads", None) or text.num_attention_heads
    shape, model_shape = (trace["layers"], trace["queryHeads"], trace["kvHeads"]), (layers, text.num_attention_heads, kv_heads)
    if shape != model_shape or not set(decisions.layers) <= set(range(layers)):
        _fail(decisions_dir, f"the decisions are for (layers, query heads, KV heads) = {shape} (layers {sorted(decisions.layers)}), "
                             f"the model has {model_shape}")
    with routed_attention(model, EVALUATION_ATTENTION, _evaluation_attention) as previous:
        _DELEGATE[:] = [attention_function(previous)]
        forward = adapter_for(model).forward_inputs(inputs)
        forward.pop("attention_mask", None)
        prefill = model(**forward, use_cache=True, return_dict=True)
        check_reproduces_trace(trace_dir, inputs["input_ids"], prefill.past_key_values, layers)
        first = prefill.logits[0, -1].argmax()
        logits = prefill.logits[0, -1]
        masks = Masks(model, decisions, text.num_attention_heads, logits.dtype, logits.device)

        def compressed_cache():
            cache = copy.deepcopy(prefill.past_key_values)
            write_merged(cache, decisions)
            return cache

        full_tokens, full_logits, cache = [int(first)], [], copy.deepcopy(prefill.past_key_values)
        for _ in range(steps):                                                   # full cache, greedy
            step_logits, cache = _step(model, full_tokens[-1], cache)
            full_logits.append(step_logits)
            full_tokens.append(int(step_logits.argmax()))
        kl, agree, compressed_top1 = [], [], []
        with masks:
            cache = compressed_cache()
            for s in range(steps):                                               # compressed, teacher-forced
                step_logits, cache = _step(model, full_tokens[s], cache)
                kl.append(kl_divergence(full_logits[s], step_logits))
                compressed_top1.append(int(step_logits.argmax()))
                agree.append(compressed_top1[-1] == full_tokens[s + 1])
            free, cache = [int(first)], compressed_cache()
            for _ in range(steps):                                               # compressed, free-running greedy
                step_logits, cache = _step(model, free[-1], cache)
                free.append(int(step_logits.argmax()))
    differ = next((i for i, (a, b) in enumerate(zip(full_tokens, free)) if a != b), None)
    decode = (lambda ids: tokenizer.decode(ids)) if tokenizer is not None else (lambda ids: " ".join(map(str, ids)))
    return {
        "policy": decisions.manifest["policy"], "budget": decisions.manifest["budget"],
        "trace": {"path": os.path.abspath(trace_dir), "model": trace["model"], "tokens": trace["tokens"]},
        "layersCompressed": len(decisions.layers), "layers": layers, "steps": steps,
        "teacherForced": True,
        "kl": kl, "klMean": sum(kl) / steps, "klMax": max(kl),
        "top1Agree": agree, "top1Agreement": sum(agree) / steps,
        "firstDifferingStep": differ,          # index into the continuations (0: the prefill's token), None if equal
        "fullTokens": full_tokens, "compressedTokens": free, "compressedTeacherForcedTop1": compressed_top1,
        "fullText": decode(full_tokens), "compressedText": decode(free),
    }


def table(report):
    """The report as readable text: one row per decode step, then both continuations."""
    lines = [f"{report['policy']['name']} at {report['budget']['describe']} on {report['trace']['path']} "
             f"({report['layersCompressed']}/{report['layers']} layers compressed); {report['steps']} decode steps, "
             "KL and top-1 teacher-forced on the full cache's tokens",
             f"{'step':>4}  {'full':>8}  {'compressed':>10}  {'KL(full||compressed)':>22}  top-1"]
    for s in range(report["steps"]):
        lines.append(f"{s + 1:>4}  {report['fullTokens'][s + 1]:>8}  {report['compressedTeacherForcedTop1'][s]:>10}  "
                     f"{report['kl'][s]:>22.6g}  {'same' if report['top1Agree'][s] else 'DIFFERS'}")
    differ = report["firstDifferingStep"]
    lines += [f"mean KL {report['klMean']:.6g}, max KL {report['klMax']:.6g}, top-1 agreement {report['top1Agreement']:.3f}, "
              f"first differing greedy token: {'none' if differ is None else differ}",
              f"full:       {report['fullText']}", f"compressed: {report['compressedText']}"]
    return "\n".join(lines)


def parse_args(argv=None):
    from record_trace import add_prompt_arguments
    parser = argparse.ArgumentParser(prog="python -m lookm_traces.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_prompt_arguments(parser)
    parser.add_argument("--trace", required=True, help="the trace record_trace.py recorded from this model and prompt")
    parser.add_argument("--decisions", required=True, help="what 'lookm replay --export-decisions' wrote for that trace")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help=f"decode steps to compare (default {DEFAULT_STEPS})")
    parser.add_argument("--out", default=None, help="write the report as JSON here (refused if it exists, unless --overwrite)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    return parser.parse_args(argv)


def _write_json(path, report, overwrite):
    if os.path.exists(path) and not overwrite:
        raise EvaluationError(f"{path}: already exists; refusing to overwrite it (pass --overwrite)")
    temp = f"{path}.part"
    with open(temp, "w") as f:
        json.dump(report, f, indent=2, allow_nan=False)
        f.write("\n")
    os.replace(temp, path)


def main(argv=None):
    from record_trace import check_prompt_arguments, load_model_and_inputs
    args = parse_args(argv)
    try:
        for option, path in (("--trace", args.trace), ("--decisions", args.decisions)):
            if not os.path.isdir(path):
                raise EvaluationError(f"{option} {path}: no such directory")
        if args.out and os.path.exists(args.out) and not args.overwrite:
            raise EvaluationError(f"{args.out}: already exists; refusing to overwrite it (pass --overwrite)")
        check_prompt_arguments(args)
        decisions = load_decisions(args.decisions, args.trace)           # before loading a model: fail in a second
        model, processor, inputs = load_model_and_inputs(args)
        report = evaluate(model, inputs, args.trace, decisions, args.steps, getattr(processor, "tokenizer", None))
        if args.out:
            _write_json(args.out, report, args.overwrite)
    except (ValueError, FileNotFoundError) as e:          # EvaluationError included: refused input
        print(f"lookm_traces.evaluate: error: {e}", file=sys.stderr)
        sys.exit(USAGE_ERROR)
    print(table(report))


if __name__ == "__main__":
    main()
