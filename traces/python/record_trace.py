"""Records a LOOK-M trace (traces/FORMAT.md, version 2) from a Hugging Face transformers multimodal model.

Supported (recorder_adapters.py): LLaVA-1.5, LLaVA-NeXT, LLaVA-OneVision (images and video), Qwen2-VL and Qwen2.5-VL
(images and video, 3-D M-RoPE). Needs torch, transformers and pyarrow (traces/python/requirements.txt); tested with
transformers 5.18. Any attention implementation the model was loaded with is fine: while recording, the language
model's attention goes through a registered attention function (RECORDING_ATTENTION) that sees the model's own
post-RoPE queries and keys, computes what the trace needs from them, and hands them on to the implementation the model
was loaded with (with that implementation's masks), so the forward pass is the model's own. The recorder itself never
builds a T x T matrix (load the model with attn_implementation='sdpa' so that the forward pass does not either). What is captured, per language-model layer:

  * post-RoPE keys and values: the model's own KV cache after prefill, (Hkv, T, D);
  * accumulated attention: column sums of the causal softmax of the post-RoPE queries and keys, (Hq, T), computed
    block by block of query rows (causal_column_sums: at most COLUMN_BLOCK_ELEMENTS logits alive at a time);
  * the last W prefill queries (W = T with --window all) and P greedy-decode probe queries: the model's own post-RoPE
    queries, whatever its RoPE (1-D, scaled, M-RoPE);
  * with --decode, the decode part: the keys and values the P greedy steps appended to the model's own cache
    (positions T..T+P-1; their queries are the probes), for lookm replay --decode-every;
  * per token (recorder_adapters.py): modality (text, image, video, special), image / video / tile / frame index, and
    the model's own RoPE position ids (3-D for M-RoPE), captured from the language model's rotary embedding.

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
from recorder_adapters import adapter_for, image_token_id as config_image_token_id

DEFAULT_ROPE_THETA = 10000.0      # LLaMA's default when a config names none
USAGE_ERROR = 2                   # exit status of a refused command line, as argparse uses
DTYPE_KWARG_SINCE = (4, 56)       # transformers release that renamed from_pretrained's torch_dtype to dtype
RECORDING_ATTENTION = "lookm_record"
COLUMN_BLOCK_ELEMENTS = 1 << 22   # logits alive at a time in causal_column_sums: 16 MiB of float32
ROPE_AXES_MROPE = 3               # M-RoPE position ids: (temporal, height, width)
EAGER = "eager"


def decoder_layers(model):
    """The language model's decoder layers, across transformers versions."""
    return list(language_model(model).layers)


def language_model(model):
    """The language model (decoder stack with .layers and .rotary_emb), across transformers versions."""
    for path in ("model.language_model", "language_model.model", "language_model", "model"):
        obj = model
        try:
            for name in path.split("."):
                obj = getattr(obj, name)
            if hasattr(obj, "layers"):
                return obj
        except AttributeError:
            continue
    raise ValueError("cannot find the language model's decoder layers (is this a supported multimodal model?)")


def cache_layer(cache, layer):
    """(keys, values) of one layer, each (B, Hkv, T, D), across cache classes and versions."""
    if hasattr(cache, "layers") and hasattr(cache.layers[layer], "keys"):
        return cache.layers[layer].keys, cache.layers[layer].values
    if hasattr(cache, "key_cache"):
        return cache.key_cache[layer], cache.value_cache[layer]
    return cache[layer][0], cache[layer][1]


def rope_theta(text_config):
    """RoPE base θ of the config (transformers 5: rope_parameters; 4.x: rope_theta), stored as metadata only: queries and
    keys are captured after the model applied its own RoPE, whatever its type."""
    params = getattr(text_config, "rope_parameters", None) or {}
    theta = params.get("rope_theta", getattr(text_config, "rope_theta", None))
    return float(theta if theta is not None else DEFAULT_ROPE_THETA)


def causal_column_sums(queries, keys, scaling, block_elements=COLUMN_BLOCK_ELEMENTS):
    """(Hq, T) float32 accumulated attention of one layer from post-RoPE queries (Hq, T, D) and keys (Hkv, T, D), GQA
    query head h reading KV head h // (Hq / Hkv):

        (1) l[i, j] = scaling * q_i . k_j                    for j <= i (causal)
        (2) P[i, j] = exp(l[i, j] - max_j' l[i, j']) / sum_j' exp(...)   (softmax over the row)
        (3) A[j]    = sum_{i >= j} P[i, j]                    (column sums; per head they add up to T)

    Computed for a block of query rows at a time (rows i in [a, b) need keys [0, b) only), in float32 with float64
    accumulation, so at most `block_elements` logits are alive, never the T x T matrix."""
    hq, t, _ = queries.shape
    group = hq // keys.shape[0]
    rows = max(1, block_elements // t)
    sums = torch.zeros(hq, t, dtype=torch.float64, device=queries.device)
    for h in range(hq):
        k = keys[h // group].to(torch.float32)
        for a in range(0, t, rows):
            b = min(t, a + rows)
            logits = (queries[h, a:b].to(torch.float32) @ k[:b].T) * scaling                     # (1)
            future = torch.arange(b, device=logits.device)[None, :] > torch.arange(a, b, device=logits.device)[:, None]
            logits.masked_fill_(future, float("-inf"))
            sums[h, :b] += torch.softmax(logits, dim=-1).sum(dim=0, dtype=torch.float64)          # (2), (3)
    return sums.to(torch.float32)


_ACTIVE = []   # the Capture whose recording is under way (at most one)


def _recording_attention(module, query, key, value, attention_mask, **kwargs):
    """The attention function registered as RECORDING_ATTENTION: lets the active Capture see the post-RoPE query and
    key (B, H, n, D), then computes the output with the implementation the model was loaded with (its own eager
    function, SDPA, ...), so the recorded forward pass is the model's own. Probabilities are never returned."""
    capture = _ACTIVE[-1]
    capture.observe(module, query, key, kwargs)
    output = capture.delegate(module)(module, query, key, value, attention_mask, **kwargs)
    return output[0], None


def register_recording_attention(delegate):
    """Registers RECORDING_ATTENTION with the attention masks of the `delegate` implementation (the masks the model
    would have built for it, causal)."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface
    AttentionInterface.register(RECORDING_ATTENTION, _recording_attention)
    AttentionMaskInterface.register(RECORDING_ATTENTION, ALL_MASK_ATTENTION_FUNCTIONS[delegate])


def attention_function(name):
    """module -> the attention forward of implementation `name` for that module ('eager': the model file's own)."""
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
    if name == EAGER:
        return lambda module: getattr(sys.modules[type(module).__module__], "eager_attention_forward")
    function = ALL_ATTENTION_FUNCTIONS[name]
    return lambda module: function


class Capture:
    """Sees every decoder layer's attention call: at prefill the column sums (causal_column_sums) and the last `window`
    post-RoPE queries (Hq, W, D) float32; at each decode step the step's query (Hq, 1, D). And the position ids the
    language model's rotary embedding gets at prefill (the model's own, 3-D for M-RoPE). Only that is kept."""

    def __init__(self, model, window, delegate):
        lm = language_model(model)
        self.delegate = attention_function(delegate)
        self.layer_of = {id(layer.self_attn): i for i, layer in enumerate(lm.layers)}
        self.window, self.prefill = window, True
        self.column_sums, self.queries, self.probes, self.position_ids = {}, {}, [], None
        self.handle = lm.rotary_emb.register_forward_pre_hook(self._positions, with_kwargs=True)

    def _positions(self, _module, args, kwargs):
        ids = args[1] if len(args) > 1 else kwargs.get("position_ids")
        if self.prefill and self.position_ids is None and ids is not None:
            self.position_ids = ids.detach().cpu()

    def observe(self, module, query, key, kwargs):
        layer = self.layer_of.get(id(module))
        if layer is None:              # the vision tower's attention
            return
        for option in ("sliding_window", "softcap"):
            if kwargs.get(option) is not None:
                raise ValueError(f"layer {layer}: attention with {option} = {kwargs[option]} is not supported (the column "
                                 "sums assume full causal attention)")
        if query.shape[0] != 1:
            raise ValueError(f"one prompt per trace: the attention got batch size {query.shape[0]}")
        scaling = kwargs.get("scaling") or query.shape[-1] ** -0.5
        if self.prefill:
            t = query.shape[2]
            if key.shape[2] != t:
                raise ValueError(f"layer {layer}: prefill attends {key.shape[2]} keys for {t} queries (a cache was given?)")
            self.column_sums[layer] = causal_column_sums(query[0], key[0], scaling).cpu().numpy()
            self.queries[layer] = query[0, :, t - self.window:].to(torch.float32).cpu().numpy()
        else:
            if layer == 0:
                self.probes.append({})
            self.probes[-1][layer] = query[0].to(torch.float32).cpu().numpy()

    def __enter__(self):
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc):
        _ACTIVE.remove(self)
        self.handle.remove()
        return False


def rope_positions(position_ids, tokens):
    """(3, T) int32 and the number of RoPE axes (1 or 3) from the rotary embedding's position ids ((B, T) or (3, B, T))."""
    if position_ids is None:
        raise ValueError("the language model's rotary embedding was not called: cannot record its position ids")
    ids = position_ids.to(torch.int64)
    if ids.dim() == 3:
        if ids.shape[0] != ROPE_AXES_MROPE:
            raise ValueError(f"rotary position ids of shape {tuple(ids.shape)}: expected (3, 1, {tokens}) for M-RoPE")
        return ids[:, 0].numpy().astype(np.int32), ROPE_AXES_MROPE
    return np.repeat(ids[:1].numpy().astype(np.int32), ROPE_AXES_MROPE, axis=0), 1


def text_config_of(model):
    return getattr(model.config, "text_config", model.config)


@torch.no_grad()
def record_inputs(model, inputs, out_dir, *, window=32, probes=8, dtype="float16", model_name=None, overwrite=False, decode=False):
    """Prefills one prompt (`inputs`: the processor's outputs, batch size 1), decodes `probes` greedy steps, and writes the
    trace to out_dir. `window` is the number of last prefill queries to store, or None for all of them. With `decode`,
    the trace also carries the decode part: the keys and values the greedy steps appended to the cache (positions
    T..T+probes-1), whose queries are the probes. Returns out_dir."""
    if os.path.exists(out_dir) and not overwrite:
        raise FileExistsError(f"{out_dir}: already exists; refusing to overwrite it (pass overwrite=True / --overwrite)")
    input_ids = inputs["input_ids"]
    if input_ids.shape[0] != 1:
        raise ValueError(f"one prompt per trace: input_ids has batch size {input_ids.shape[0]}, expected 1")
    mask = inputs.get("attention_mask")
    if mask is not None and not bool(mask.all()):
        raise ValueError("the attention mask has padded positions: record one unpadded prompt")
    t = input_ids.shape[1]
    window = t if window is None else window
    if not 0 <= window <= t or probes < 0:
        raise ValueError(f"window must be in [0, {t}] (the prompt has {t} tokens) and probes >= 0; got {window}, {probes}")
    if decode and probes < 1:
        raise ValueError("decode=True stores the generated tokens' keys and values: it needs probes >= 1 greedy steps")
    adapter = adapter_for(model)
    layout = adapter.layout(model, inputs)
    text = text_config_of(model)
    hq, hkv = text.num_attention_heads, getattr(text, "num_key_value_heads", None) or text.num_attention_heads
    d = getattr(text, "head_dim", None) or text.hidden_size // hq
    layers = decoder_layers(model)
    previous = model.config._attn_implementation or EAGER
    if previous == RECORDING_ATTENTION:
        raise ValueError("the model is already being recorded")
    register_recording_attention(previous)
    model.set_attn_implementation(RECORDING_ATTENTION)
    try:
        with Capture(model, window, previous) as capture:
            forward = adapter.forward_inputs(inputs)
            forward.pop("attention_mask", None)          # unpadded (checked): causal attention needs no mask
            out = model(**forward, use_cache=True, return_dict=True)
            capture.prefill = False
            if len(capture.column_sums) != len(layers):
                raise ValueError(f"attention captured for {len(capture.column_sums)} of {len(layers)} layers")
            cache, next_token = out.past_key_values, out.logits[0, -1].argmax()
            for _ in range(probes):
                step = model(input_ids=next_token.view(1, 1), past_key_values=cache, use_cache=True, return_dict=True)
                cache, next_token = step.past_key_values, step.logits[0, -1].argmax()
            positions, axes = rope_positions(capture.position_ids, t)
    finally:
        model.set_attn_implementation(previous)
    import transformers
    ids = input_ids[0].cpu().numpy()
    meta = {"model_name": model_name or adapter.name, "layers": len(layers), "query_heads": hq, "kv_heads": hkv,
            "head_dim": d, "rope_base": rope_theta(text), "dtype": dtype, "tokens_per_image": adapter.tokens_per_image(layout),
            "tokens": t, "prefill_queries": window, "probes": probes, "architecture": adapter.name, "rope_axes": axes,
            "decode_steps": probes if decode else 0,
            "source": f"record_trace.py, transformers {transformers.__version__}, torch {torch.__version__}"}
    columns = layout.columns() | {"rope_t": positions[0], "rope_h": positions[1], "rope_w": positions[2]}
    with TraceWriter(out_dir, meta, columns, ids, overwrite) as w:
        for i in range(len(layers)):
            k, v = cache_layer(cache, i)   # the decode steps appended positions >= t; the prefill part is unchanged
            if decode and k.shape[2] != t + probes:
                raise ValueError(f"layer {i}: the cache holds {k.shape[2]} positions after {probes} decode steps, expected {t + probes}")
            probe = np.concatenate([p[i] for p in capture.probes], axis=1) if probes else None
            generated = (k[0, :, t:t + probes].to(torch.float32).cpu().numpy(), v[0, :, t:t + probes].to(torch.float32).cpu().numpy()) \
                if decode else (None, None)
            w.write_layer(i, k[0, :, :t].to(torch.float32).cpu().numpy(), v[0, :, :t].to(torch.float32).cpu().numpy(),
                          capture.column_sums[i], capture.queries[i] if window else None, probe, None, *generated)
    return out_dir


def record(model, input_ids, pixel_values, out_dir, *, image_token_id, tokens_per_image, window=32, probes=8,
           dtype="float16", model_name="llava", attention_mask=None, overwrite=False):
    """LLaVA-1.5 shortcut of record_inputs: input ids with expanded image tokens and the images' pixel values."""
    if image_token_id != config_image_token_id(model.config):
        raise ValueError(f"image_token_id {image_token_id} is not the model's ({config_image_token_id(model.config)})")
    images_per_prompt = max(1, pixel_values.shape[0] // input_ids.shape[0])
    found = int((input_ids[0] == image_token_id).sum()) // images_per_prompt
    if found != tokens_per_image:
        raise ValueError(f"tokens_per_image = {tokens_per_image}, but the prompt has {found} image tokens per image")
    inputs = {"input_ids": input_ids, "pixel_values": pixel_values, "attention_mask": attention_mask}
    return record_inputs(model, inputs, out_dir, window=window, probes=probes, dtype=dtype, model_name=model_name,
                         overwrite=overwrite)


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
    parser.add_argument("--image", default=[], action="append", help="image file; repeat for several images")
    parser.add_argument("--video", default=[], action="append",
                        help="video as a .npy array of frames (F, H, W, 3) uint8; repeat for several videos")
    parser.add_argument("--prompt", required=True, help="with one <image> (Qwen: <|image_pad|>) per --image and one <video> "
                        "(<|video_pad|>) per --video")
    parser.add_argument("--model-name", default=None, help="name stored in the trace (default: --model)")
    parser.add_argument("--out", required=True, help="trace directory to create (refused if it exists)")
    parser.add_argument("--window", type=window_arg, default=32, help="last W prefill queries to store, or 'all' (default 32)")
    parser.add_argument("--probes", type=count_arg, default=8, help="greedy decode steps whose queries are stored (default 8)")
    parser.add_argument("--decode", action="store_true", help="also store the decode part: the keys and values of the --probes "
                        "generated tokens (decode.arrow), for lookm replay --decode-every")
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


IMAGE_PLACEHOLDERS = ("<image>", "<|image_pad|>")   # LLaVA family, Qwen2-VL family
VIDEO_PLACEHOLDERS = ("<video>", "<|video_pad|>")


def placeholders(prompt, names):
    return sum(prompt.count(n) for n in names)


def main(argv=None):
    from PIL import Image
    from transformers import AutoModelForImageTextToText, AutoProcessor

    args = parse_args(argv)
    if os.path.exists(args.out) and not args.overwrite:   # before any loading: fail in a second, not after minutes
        fail(f"{args.out}: already exists; refusing to overwrite it (pass --overwrite)")
    for option, paths in (("--image", args.image), ("--video", args.video)):
        for path in paths:
            if not os.path.isfile(path):
                fail(f"{option} {path}: no such file")
    for what, names, given in (("<image>", IMAGE_PLACEHOLDERS, args.image), ("<video>", VIDEO_PLACEHOLDERS, args.video)):
        if placeholders(args.prompt, names) != len(given):
            fail(f"the prompt has {placeholders(args.prompt, names)} {what} placeholder(s) for {len(given)} --{what[1:-1]} file(s)")
    torch_dtype = torch.float16 if args.dtype == "float16" else torch.float32
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    processor = AutoProcessor.from_pretrained(args.model)
    model = AutoModelForImageTextToText.from_pretrained(args.model, **dtype_kwargs(torch_dtype)).to(device).eval()
    media = {}
    if args.image:
        media["images"] = [Image.open(p).convert("RGB") for p in args.image]
    if args.video:
        media["videos"] = [np.load(p) for p in args.video]
    inputs = processor(text=args.prompt, return_tensors="pt", **media).to(device)
    inputs = {k: (v.to(torch_dtype) if k.startswith("pixel_values") else v) for k, v in inputs.items()}
    try:
        record_inputs(model, inputs, args.out, window=args.window, probes=args.probes, dtype=args.dtype,
                      model_name=args.model_name or args.model, overwrite=args.overwrite, decode=args.decode)
    except (ValueError, FileExistsError) as e:
        fail(str(e))
    print(f"{args.out}: trace written")


if __name__ == "__main__":
    main()
