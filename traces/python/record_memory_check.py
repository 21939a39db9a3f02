"""Peak memory of a long-prompt recording (by hand, not a unit test): a random 2-layer Qwen2-VL-shaped model (hidden 512,
4 query heads over 2 KV heads of 128, M-RoPE), loaded with SDPA attention, one 64x64-pixel image (16 tokens) and text up
to T tokens; W = 32 prefill queries, 2 probes, float32 model, float16 trace. Each T runs in a fresh process; prints T,
the recording's wall time, the peak RSS and the RSS before recording (model and inputs built), and, for comparison,
what one layer's eager T x T probabilities would need (Hq * T^2 * 4 bytes).

    python traces/python/record_memory_check.py 8192 32768
"""
import os
import resource
import subprocess
import sys
import tempfile
import time

HIDDEN, HEADS, KV_HEADS, LAYERS = 512, 4, 2, 2
BYTES_FLOAT32 = 4
KIB = 1024


def one(tokens):
    import torch
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

    import tiny_models as tm
    from record_trace import record_inputs
    head_dim = HIDDEN // HEADS
    config = Qwen2VLConfig(
        text_config=dict(vocab_size=tm.VOCAB, hidden_size=HIDDEN, intermediate_size=2 * HIDDEN, num_hidden_layers=LAYERS,
                         num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, max_position_embeddings=2 * tokens,
                         rope_parameters={"rope_type": "default", "mrope_section": [16, 24, 24], "rope_theta": 1e6}),
        vision_config=dict(depth=1, embed_dim=32, hidden_size=HIDDEN, num_heads=4, patch_size=tm.QWEN_PATCH,
                           spatial_merge_size=tm.QWEN_MERGE, temporal_patch_size=tm.QWEN_TEMPORAL, mlp_ratio=2),
        image_token_id=tm.SPECIAL_BASE + 2, video_token_id=tm.SPECIAL_BASE + 3, vision_start_token_id=tm.SPECIAL_BASE,
        vision_end_token_id=tm.SPECIAL_BASE + 1)
    torch.manual_seed(0)
    model = Qwen2VLForConditionalGeneration._from_config(config, attn_implementation="sdpa").eval()
    _, processor = tm.qwen2_vl()
    words = " ".join(["what is this"] * tokens)
    inputs = dict(processor(text="<|vision_start|> <|image_pad|> <|vision_end|> " + words, images=[tm.image(64, 64)],
                            return_tensors="pt"))
    inputs = {k: v[..., :tokens] if k in ("input_ids", "attention_mask", "mm_token_type_ids") else v for k, v in inputs.items()}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        record_inputs(model, inputs, os.path.join(d, "t"), window=32, probes=2, dtype="float16")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    eager = HEADS * tokens * tokens * BYTES_FLOAT32 / KIB ** 3
    print(f"T={inputs['input_ids'].shape[1]}  {seconds:.1f} s  peak RSS {peak / KIB:.0f} MiB  (before recording {before / KIB:.0f} MiB)"
          f"  one layer's eager probabilities would be {eager:.2f} GiB", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        one(int(sys.argv[2]))
    else:
        for t in sys.argv[1:] or ["8192", "32768"]:
            subprocess.run([sys.executable, os.path.abspath(__file__), "--one", t], check=True,
                           cwd=os.path.dirname(os.path.abspath(__file__)))
