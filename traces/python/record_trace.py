"""Records a LOOK-M trace (traces/FORMAT.md, version 1) from a Hugging Face transformers multimodal model.

Supported: the LLaVA-1.5 family (LlavaForConditionalGeneration with a LLaMA-style language model and the default
RoPE), loaded with eager attention so that attention probabilities exist. Needs torch, transformers and pyarrow
(traces/python/requirements.txt). Tested with transformers 5.18; the code also handles the model, cache and config
layouts of transformers 4.48+ (whose processors expand each <image> into its image tokens), untested. What is
captured, per language-model layer:

  * post-RoPE keys and values: the model's own KV cache after prefill, (Hkv, T, D);
  * accumulated attention: column sums of the eager causal softmax, (Hq, T), summed in float32 by a forward hook on
    each attention module, which then drops the T x T probabilities (only one layer's are alive at a time);
  * the last W prefill queries (W = T with --window all) and P greedy-decode probe queries: q_proj outputs captured
    by forward hooks, with LLaMA's default RoPE applied here; the same RoPE applied to the k_proj outputs must
    reproduce the cached keys, so a model with another RoPE variant fails loudly instead of recording wrong queries;
  * image positions: the image-token ids in the processor's (expanded) input ids.

Usage:
  python record_trace.py --model llava-hf/llava-1.5-7b-hf --image cat.jpg \\
      --prompt "USER: <image>\\nWhat is this? ASSISTANT:" --out traces/cat-7b --window 32 --probes 8
"""
import argparse
import os
import sys

import numpy as np
import torch

from lookm_trace_writer import TraceWriter

ROPE_CHECK_TOLERANCE = 2e-2   # relative; float16 models round keys to ~1e-3
ROPE_CHECK_ROWS = 64          # last prefill positions whose re-applied RoPE must reproduce the cached keys
DEFAULT_ROPE_THETA = 10000.0  # LLaMA's default when a config names none
USAGE_ERROR = 2               # exit status of a refused command line, as argparse uses
DTYPE_KWARG_SINCE = (4, 56)   # transformers release that renamed from_pretrained's torch_dtype to dtype


def decoder_layers(model):
    """The language model's decoder layers, across transformers versions."""
    for path in ("model.language_model.layers", "language_model.model.layers", "language_model.layers", "model.layers"):
        obj = model
        try:
            for name in path.split("."):
                obj = getattr(obj, name)
            return list(obj)
        except AttributeError:
            continue
    raise ValueError("cannot find the language model's decoder layers (is this a LLaVA-style model?)")


def cache_layer(cache, layer):
    """(keys, values) of one layer, each (B, Hkv, T, D), across cache classes and versions."""
    if hasattr(cache, "layers") and hasattr(cache.layers[layer], "keys"):
        return cache.layers[layer].keys, cache.layers[layer].values
    if hasattr(cache, "key_cache"):
        return cache.key_cache[layer], cache.value_cache[layer]
    return cache[layer][0], cache[layer][1]


def rope_theta(text_config):
    """RoPE base of a LLaMA-style config (transformers 5: rope_parameters; 4.x: rope_theta / rope_scaling).
    Only the default (unscaled) rotary embedding is supported: any other type is refused here."""
    params = getattr(text_config, "rope_parameters", None) or {}
    scaling = getattr(text_config, "rope_scaling", None) or {}
    kind = params.get("rope_type") or scaling.get("rope_type") or scaling.get("type") or "default"
    if kind != "default":
        raise ValueError(f"RoPE type '{kind}' is not supported (only the default rotary embedding): queries would be wrong")
    theta = params.get("rope_theta", getattr(text_config, "rope_theta", None))
    return float(theta if theta is not None else DEFAULT_ROPE_THETA)


def rope(x, positions, theta):
    """LLaMA rotary embedding: x (H, n, D) at absolute positions (n,), rotate_half convention."""
    d = x.shape[-1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    angles = positions.to(torch.float64)[:, None] * inv_freq[None, :]
    emb = torch.cat([angles, angles], dim=-1)
    cos, sin = emb.cos().to(torch.float32), emb.sin().to(torch.float32)
    x = x.to(torch.float32)
    half = torch.cat([-x[..., d // 2:], x[..., : d // 2]], dim=-1)
    return x * cos + half * sin


def image_ids_from_input_ids(input_ids, image_token_id, tokens_per_image):
    """(T,) int32: -1 for text, image index for image tokens; runs longer than tokens_per_image are split."""
    is_image = np.asarray(input_ids) == image_token_id
    ids = np.full(is_image.shape, -1, dtype=np.int32)
    image, run = -1, 0
    for t, flag in enumerate(is_image):
        if flag:
            if run == 0 or (tokens_per_image and run % tokens_per_image == 0):
                image += 1
            ids[t] = image
            run += 1
        else:
            run = 0
    return ids


def tokens_per_image_of(input_ids, image_token_id, images):
    """Image tokens per image, from the expanded input ids (every image must get the same number)."""
    count = int((np.asarray(input_ids) == image_token_id).sum())
    if images == 0 or count == 0 or count % images:
        raise ValueError(f"{count} image tokens (id {image_token_id}) for {images} image(s): the prompt needs one "
                         "<image> per --image, and the processor must expand each one (transformers >= 4.48)")
    return count // images


class Capture:
    """Forward hooks on every layer: the last `query_rows` q_proj and the last `key_rows` k_proj outputs of each forward
    pass, as (H, rows, D) float32 pre-RoPE (a decode step has one row), and, while `prefill` is set, the attention
    module's probabilities reduced to column sums (Hq, T) float32 and then dropped. Only what is written or checked is
    kept: an 8k-token 7B prefill would otherwise hold 8 GiB of projections."""

    def __init__(self, layers, query_heads, kv_heads, head_dim, query_rows, key_rows):
        self.queries, self.keys, self.column_sums, self.handles, self.prefill = {}, {}, {}, [], True
        for i, layer in enumerate(layers):
            attn = layer.self_attn
            self.handles.append(attn.q_proj.register_forward_hook(self._projection(self.queries, i, query_heads, head_dim, query_rows)))
            self.handles.append(attn.k_proj.register_forward_hook(self._projection(self.keys, i, kv_heads, head_dim, key_rows)))
            self.handles.append(attn.register_forward_hook(self._attention(i)))

    @staticmethod
    def _projection(store, layer, heads, head_dim, rows):
        def hook(_module, _inputs, output):
            n = output.shape[1]
            last = output[0, n - min(rows, n):].detach()
            store[layer] = last.to(torch.float32).reshape(-1, heads, head_dim).transpose(0, 1).cpu()
        return hook

    def _attention(self, layer):
        def hook(_module, _inputs, output):
            if not self.prefill:
                return None
            if not isinstance(output, tuple) or len(output) < 2 or output[1] is None:
                raise ValueError("the attention module returned no probabilities: load the model with "
                                 "attn_implementation='eager'")
            weights = output[1]                                                   # (B, Hq, T, T), rows sum to 1
            self.column_sums[layer] = weights[0].sum(dim=-2, dtype=torch.float32).cpu().numpy()
            return (output[0], None) + tuple(output[2:])                          # free the T x T probabilities
        return hook

    def remove(self):
        for h in self.handles:
            h.remove()


def attention_implementation(model):
    config = getattr(model.config, "text_config", model.config)
    return getattr(config, "_attn_implementation", None) or getattr(model.config, "_attn_implementation", None)


@torch.no_grad()
def record(model, input_ids, pixel_values, out_dir, *, image_token_id, tokens_per_image, window=32, probes=8,
           dtype="float16", model_name="llava", attention_mask=None, overwrite=False):
    """Prefills one prompt, decodes `probes` greedy steps, and writes the trace to out_dir. `window` is the number of
    last prefill queries to store, or None for all of them. Returns out_dir."""
    if os.path.exists(out_dir) and not overwrite:
        raise FileExistsError(f"{out_dir}: already exists; refusing to overwrite it (pass overwrite=True / --overwrite)")
    implementation = attention_implementation(model)
    if implementation not in (None, "eager"):
        raise ValueError(f"the model uses '{implementation}' attention, which returns no probabilities: load it with "
                         "attn_implementation='eager'")
    text = model.config.text_config
    hq, hkv = text.num_attention_heads, getattr(text, "num_key_value_heads", None) or text.num_attention_heads
    d = getattr(text, "head_dim", None) or text.hidden_size // hq
    theta = rope_theta(text)
    t = input_ids.shape[1]
    window = t if window is None else window
    if not 0 <= window <= t or probes < 0:
        raise ValueError(f"window must be in [0, {t}] (the prompt has {t} tokens) and probes >= 0; got {window}, {probes}")
    if input_ids.shape[0] != 1:
        raise ValueError(f"one prompt per trace: input_ids has batch size {input_ids.shape[0]}, expected 1")
    layers = decoder_layers(model)
    check_rows = min(t, ROPE_CHECK_ROWS)
    capture = Capture(layers, hq, hkv, d, query_rows=max(window, 1), key_rows=check_rows)
    try:
        out = model(input_ids=input_ids, pixel_values=pixel_values, attention_mask=attention_mask, use_cache=True,
                    return_dict=True)
        capture.prefill = False
        if len(capture.column_sums) != len(layers):
            raise ValueError(f"attention captured for {len(capture.column_sums)} of {len(layers)} layers")
        positions = torch.arange(t)
        prefill = []
        for i in range(len(layers)):
            keys = cache_layer(out.past_key_values, i)[0]
            if keys.shape[2] != t:
                raise ValueError(f"the cache has {keys.shape[2]} positions but the input has {t}: expand <image> tokens "
                                 "in the processor (transformers >= 4.48)")
            checked = keys[0, :, t - check_rows:].to(torch.float32).cpu()
            err = (rope(capture.keys[i], positions[t - check_rows:], theta) - checked).abs().max() / checked.abs().max().clamp_min(1e-6)
            if err > ROPE_CHECK_TOLERANCE:
                raise ValueError(f"layer {i}: re-applied RoPE differs from the cached keys by {err:.3g} (relative): "
                                 "this model's RoPE variant is not supported, queries would be wrong")
            prefill.append(rope(capture.queries[i], positions[t - window:], theta).numpy() if window else None)
        cache, next_token, mask, probe_queries = out.past_key_values, out.logits[0, -1].argmax(), attention_mask, []
        for s in range(probes):
            if mask is not None:
                mask = torch.cat([mask, mask.new_ones((1, 1))], dim=1)
            step = model(input_ids=next_token.view(1, 1), past_key_values=cache, attention_mask=mask, use_cache=True,
                         return_dict=True)
            probe_queries.append([rope(capture.queries[i], torch.tensor([t + s]), theta).numpy() for i in range(len(layers))])
            cache, next_token = step.past_key_values, step.logits[0, -1].argmax()
    finally:
        capture.remove()
    import transformers
    ids = input_ids[0].cpu().numpy()
    meta = {"model_name": model_name, "layers": len(layers), "query_heads": hq, "kv_heads": hkv, "head_dim": d,
            "rope_base": theta, "dtype": dtype, "tokens_per_image": tokens_per_image, "tokens": t,
            "prefill_queries": window, "probes": probes,
            "source": f"record_trace.py, transformers {transformers.__version__}, torch {torch.__version__}"}
    with TraceWriter(out_dir, meta, image_ids_from_input_ids(ids, image_token_id, tokens_per_image), ids, overwrite) as w:
        for i in range(len(layers)):
            k, v = cache_layer(cache, i)   # the decode steps appended positions >= t; the prefill part is unchanged
            probe = np.concatenate([p[i] for p in probe_queries], axis=1) if probes else None
            w.write_layer(i, k[0, :, :t].to(torch.float32).cpu().numpy(), v[0, :, :t].to(torch.float32).cpu().numpy(),
                          capture.column_sums[i], prefill[i], probe)
    return out_dir


def count_arg(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def window_arg(text):
    if text == "all":
        return None
    try:
        return count_arg(text)
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError("must be >= 0 or 'all'") from None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="Hugging Face model id or local directory (model + processor)")
    parser.add_argument("--image", required=True, action="append", help="image file; repeat for several images")
    parser.add_argument("--prompt", required=True, help="with one <image> per --image")
    parser.add_argument("--model-name", default=None, help="name stored in the trace (default: --model)")
    parser.add_argument("--out", required=True, help="trace directory to create (refused if it exists)")
    parser.add_argument("--window", type=window_arg, default=32, help="last W prefill queries to store, or 'all' (default 32)")
    parser.add_argument("--probes", type=count_arg, default=8, help="greedy decode steps whose queries are stored (default 8)")
    parser.add_argument("--dtype", choices=["float16", "float32"], default="float16",
                        help="model and cache dtype (default float16)")
    parser.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing trace")
    return parser.parse_args(argv)


def fail(message):
    print(f"record_trace.py: error: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


def dtype_kwargs(torch_dtype):
    """from_pretrained's dtype argument: `dtype` since transformers 4.56, `torch_dtype` before."""
    import transformers
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return {"dtype" if (major, minor) >= DTYPE_KWARG_SINCE else "torch_dtype": torch_dtype}


def main(argv=None):
    from PIL import Image
    from transformers import AutoProcessor, LlavaForConditionalGeneration

    args = parse_args(argv)
    if os.path.exists(args.out) and not args.overwrite:   # before any loading: fail in a second, not after minutes
        fail(f"{args.out}: already exists; refusing to overwrite it (pass --overwrite)")
    for path in args.image:
        if not os.path.isfile(path):
            fail(f"--image {path}: no such file")
    if args.prompt.count("<image>") != len(args.image):
        fail(f"the prompt has {args.prompt.count('<image>')} <image> placeholder(s) for {len(args.image)} --image file(s)")
    torch_dtype = torch.float16 if args.dtype == "float16" else torch.float32
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    processor = AutoProcessor.from_pretrained(args.model)
    model = LlavaForConditionalGeneration.from_pretrained(args.model, attn_implementation="eager", **dtype_kwargs(torch_dtype))
    model = model.to(device).eval()
    images = [Image.open(p).convert("RGB") for p in args.image]
    inputs = processor(images=images, text=args.prompt, return_tensors="pt").to(device)
    image_token_id = model.config.image_token_id if hasattr(model.config, "image_token_id") else model.config.image_token_index
    try:
        record(model, inputs["input_ids"], inputs["pixel_values"].to(torch_dtype), args.out, image_token_id=image_token_id,
               tokens_per_image=tokens_per_image_of(inputs["input_ids"][0].cpu(), image_token_id, len(images)),
               window=args.window, probes=args.probes, dtype=args.dtype, model_name=args.model_name or args.model,
               attention_mask=inputs.get("attention_mask"), overwrite=args.overwrite)
    except (ValueError, FileExistsError) as e:
        fail(str(e))
    print(f"{args.out}: trace written")


if __name__ == "__main__":
    main()
