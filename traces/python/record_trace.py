"""Records a LOOK-M trace (traces/FORMAT.md, version 1) from a Hugging Face transformers multimodal model.

Supported: the LLaVA-1.5 family (LlavaForConditionalGeneration with a LLaMA-style language model), loaded with
eager attention so that attention probabilities are returned. Needs torch, transformers (>= 4.48: the processor
expands each <image> into its image tokens) and pyarrow. What is captured, per language-model layer:

  * post-RoPE keys and values: the KV cache after prefill, (Hkv, T, D);
  * accumulated attention: column sums of the eager causal softmax, (Hq, T), summed in float32;
  * the last W prefill queries and P greedy-decode probe queries: q_proj outputs captured by forward hooks, with
    RoPE applied here (LLaMA's default rotary embedding; checked against the cached keys, which went through the
    model's own RoPE, so a model with another RoPE variant fails loudly instead of recording wrong queries);
  * image positions: from the image-token ids in the (expanded) input ids.

Usage:
  python record_trace.py --model llava-hf/llava-1.5-7b-hf --image cat.jpg --prompt "USER: <image>\\nWhat is this? ASSISTANT:" \\
      --out traces/cat-7b --window 32 --probes 8
"""
import argparse

import numpy as np
import torch

from lookm_trace_writer import TraceWriter

ROPE_CHECK_TOLERANCE = 2e-2  # relative, float16 models round keys to ~1e-3


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


class QueryCapture:
    """Forward hooks on q_proj and k_proj of every layer, kept as (H, n, D) float32 pre-RoPE."""

    def __init__(self, layers, query_heads, kv_heads, head_dim):
        self.queries, self.keys, self.handles = {}, {}, []
        for i, layer in enumerate(layers):
            attn = layer.self_attn
            self.handles.append(attn.q_proj.register_forward_hook(self._hook(self.queries, i, query_heads, head_dim)))
            self.handles.append(attn.k_proj.register_forward_hook(self._hook(self.keys, i, kv_heads, head_dim)))

    @staticmethod
    def _hook(store, layer, heads, head_dim):
        def hook(_module, _inputs, output):
            b, n, _ = output.shape
            store[layer] = output[0].detach().to(torch.float32).reshape(n, heads, head_dim).transpose(0, 1).cpu()
        return hook

    def remove(self):
        for h in self.handles:
            h.remove()


@torch.no_grad()
def record(model, input_ids, pixel_values, out_dir, *, image_token_id, tokens_per_image, window=32, probes=8,
           dtype="float16", model_name="llava", attention_mask=None, overwrite=False):
    """Prefills one prompt, decodes `probes` greedy steps, and writes the trace to out_dir. Returns out_dir."""
    text = model.config.text_config
    hq, hkv = text.num_attention_heads, getattr(text, "num_key_value_heads", None) or text.num_attention_heads
    d = getattr(text, "head_dim", None) or text.hidden_size // hq
    theta = float(getattr(text, "rope_theta", 10000.0))
    layers = decoder_layers(model)
    capture = QueryCapture(layers, hq, hkv, d)
    try:
        out = model(input_ids=input_ids, pixel_values=pixel_values, attention_mask=attention_mask,
                    output_attentions=True, use_cache=True, return_dict=True)
        if out.attentions is None or out.attentions[0] is None:
            raise ValueError("the model returned no attention probabilities: load it with attn_implementation='eager'")
        t = input_ids.shape[1]
        positions = torch.arange(t)
        per_layer = []
        for i in range(len(layers)):
            k, v = cache_layer(out.past_key_values, i)
            keys = k[0].to(torch.float32).cpu()
            if k.shape[2] != t:
                raise ValueError(f"the cache has {k.shape[2]} positions but the input has {t}: expand <image> tokens "
                                 "in the processor (transformers >= 4.48)")
            check = rope(capture.keys[i], positions, theta)
            err = (check - keys).abs().max() / keys.abs().max().clamp_min(1e-6)
            if err > ROPE_CHECK_TOLERANCE:
                raise ValueError(f"layer {i}: re-applied RoPE differs from the cached keys by {err:.3g} (relative): "
                                 "this model's RoPE variant is not supported, queries would be wrong")
            attention = out.attentions[i][0].to(torch.float32).sum(dim=-2).cpu().numpy()   # (Hq, T) column sums
            prefill = rope(capture.queries[i][:, t - window:], positions[t - window:], theta).numpy() if window else None
            per_layer.append([keys.numpy(), v[0].to(torch.float32).cpu().numpy(), attention, prefill, []])
        cache, next_token = out.past_key_values, out.logits[0, -1].argmax()
        mask = attention_mask
        for s in range(probes):
            if mask is not None:
                mask = torch.cat([mask, mask.new_ones((1, 1))], dim=1)
            step = model(input_ids=next_token.view(1, 1), past_key_values=cache, attention_mask=mask, use_cache=True,
                         return_dict=True)
            for i in range(len(layers)):
                per_layer[i][4].append(rope(capture.queries[i], torch.tensor([t + s]), theta).numpy())
            cache, next_token = step.past_key_values, step.logits[0, -1].argmax()
    finally:
        capture.remove()
    ids = input_ids[0].cpu().numpy()
    meta = {"model_name": model_name, "layers": len(layers), "query_heads": hq, "kv_heads": hkv, "head_dim": d,
            "rope_base": theta, "dtype": dtype, "tokens_per_image": tokens_per_image, "tokens": t,
            "prefill_queries": window, "probes": probes, "source": f"record_trace.py, transformers, torch {torch.__version__}"}
    with TraceWriter(out_dir, meta, image_ids_from_input_ids(ids, image_token_id, tokens_per_image), ids, overwrite) as w:
        for i, (k, v, a, q, p) in enumerate(per_layer):
            w.write_layer(i, k, v, a, q, np.concatenate(p, axis=1) if probes else None)
    return out_dir


def main():
    from PIL import Image
    from transformers import AutoProcessor, LlavaForConditionalGeneration

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--image", required=True, action="append", help="repeat for several images")
    parser.add_argument("--prompt", required=True, help="with one <image> per image")
    parser.add_argument("--out", required=True)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--probes", type=int, default=8)
    parser.add_argument("--dtype", choices=["float16", "float32"], default="float16")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    torch_dtype = torch.float16 if args.dtype == "float16" else torch.float32
    device = "cuda" if torch.cuda.is_available() else "cpu"
    processor = AutoProcessor.from_pretrained(args.model)
    model = LlavaForConditionalGeneration.from_pretrained(args.model, torch_dtype=torch_dtype, attn_implementation="eager").to(device).eval()
    images = [Image.open(p).convert("RGB") for p in args.image]
    inputs = processor(images=images, text=args.prompt, return_tensors="pt").to(device)
    tokens_per_image = getattr(processor, "num_image_tokens", None) or (model.config.vision_config.image_size // model.config.vision_config.patch_size) ** 2
    record(model, inputs["input_ids"], inputs["pixel_values"].to(torch_dtype), args.out, image_token_id=model.config.image_token_index,
           tokens_per_image=tokens_per_image, window=args.window, probes=args.probes, dtype=args.dtype, model_name=args.model,
           attention_mask=inputs.get("attention_mask"), overwrite=args.overwrite)


if __name__ == "__main__":
    main()
