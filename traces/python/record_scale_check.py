"""Scale check of record_trace.py on LLaVA-1.5-7B shapes, by hand (not a test): a randomly initialised LLaVA whose
language model has LLaMA-7B's layer shape (hidden 4096, 32 heads of 128, MLP 11008) and whose vision tower yields
576 tokens per image (336 px, 14 px patches; a narrow 2-layer tower, since only its token count matters here).
Prints the recording time, peak RSS and trace size; then check the trace with `bench/lookm trace validate`.

  python traces/python/record_scale_check.py OUT [--layers 4] [--text 64] [--window 32] [--probes 8]
"""
import argparse
import os
import resource
import time

import torch

from record_trace import record

LLAMA_7B = dict(hidden_size=4096, intermediate_size=11008, num_attention_heads=32, num_key_value_heads=32)
IMAGE_SIZE, PATCH = 336, 14                        # LLaVA-1.5: 24 x 24 = 576 tokens per image
IMAGE_TOKEN, VOCAB = 32000, 32064
BYTES_PER_MIB = 1 << 20


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--text", type=int, default=64, help="text tokens around the image (half before, half after)")
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--probes", type=int, default=8)
    args = parser.parse_args()
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration
    vision = CLIPVisionConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                              image_size=IMAGE_SIZE, patch_size=PATCH, projection_dim=64)
    text = LlamaConfig(vocab_size=VOCAB, num_hidden_layers=args.layers, max_position_embeddings=4096, **LLAMA_7B)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=IMAGE_TOKEN, vision_feature_layer=-1,
                         vision_feature_select_strategy="default")
    torch.manual_seed(0)
    model = LlavaForConditionalGeneration._from_config(config, attn_implementation="eager").eval()
    patches = (IMAGE_SIZE // PATCH) ** 2
    before, after = args.text // 2, args.text - args.text // 2
    ids = torch.cat([torch.randint(1, IMAGE_TOKEN, (before,)), torch.full((patches,), IMAGE_TOKEN),
                     torch.randint(1, IMAGE_TOKEN, (after,))]).view(1, -1)
    start = time.perf_counter()
    record(model, ids, torch.randn(1, 3, IMAGE_SIZE, IMAGE_SIZE), args.out, image_token_id=IMAGE_TOKEN,
           tokens_per_image=patches, window=args.window, probes=args.probes, dtype="float16",
           model_name=f"random LLaVA-1.5-7B-shaped, {args.layers} layers (record_scale_check.py)")
    seconds = time.perf_counter() - start
    size = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / BYTES_PER_MIB
    print(f"T={ids.shape[1]}, L={args.layers}: recorded in {seconds:.1f} s (prefill + {args.probes} decode steps + write), "
          f"trace {size / BYTES_PER_MIB:.1f} MiB, peak RSS {peak:.0f} MiB (model weights included)")


if __name__ == "__main__":
    main()
