"""Records a trace from a tiny randomly initialised LLaVA (no weights download) and reads it back with pyarrow.

Skips visibly when torch, transformers or pyarrow are missing. Run: cd traces/python && python -m pytest -rs
"""
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: the recorder test needs it")
transformers = pytest.importorskip("transformers", reason="transformers is not installed: the recorder test needs it")
pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed: the recorder writes Arrow with it")

from record_trace import image_ids_from_input_ids, record  # noqa: E402

IMAGE_TOKEN, PATCHES = 100, 16   # 24x24 pixels in 6x6 patches; the CLS token is dropped ('default' strategy)


def tiny_llava():
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration
    vision = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                              image_size=24, patch_size=6, projection_dim=32)
    text = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, max_position_embeddings=256)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=IMAGE_TOKEN,
                         vision_feature_layer=-1, vision_feature_select_strategy="default")
    torch.manual_seed(0)
    return LlavaForConditionalGeneration._from_config(config, attn_implementation="eager").eval()


def test_records_a_readable_trace(tmp_path):
    ids = torch.tensor([[1, 5, 6] + [IMAGE_TOKEN] * PATCHES + [7, 8, 9, 10]])
    t = ids.shape[1]
    out = record(tiny_llava(), ids, torch.randn(1, 3, 24, 24), str(tmp_path / "trace"), image_token_id=IMAGE_TOKEN,
                 tokens_per_image=PATCHES, window=4, probes=3, dtype="float32", model_name="tiny-llava")
    assert sorted(os.listdir(out)) == ["attention.arrow", "kv.arrow", "layout.arrow", "probes.arrow", "queries.arrow"]
    kv = pa.ipc.open_file(os.path.join(out, "kv.arrow"))
    assert kv.schema.metadata[b"lookm.trace.version"] == b"1"
    assert kv.num_record_batches == 2 * 2
    attention = pa.ipc.open_file(os.path.join(out, "attention.arrow")).read_all().to_pandas()
    per_head = attention.groupby(["layer", "query_head"]).accumulated_attention.sum()
    np.testing.assert_allclose(per_head.to_numpy(), t, rtol=1e-4)   # each softmax row sums to 1
    layout = pa.ipc.open_file(os.path.join(out, "layout.arrow")).read_all().to_pandas()
    assert (layout.modality == "image").sum() == PATCHES
    probes = pa.ipc.open_file(os.path.join(out, "probes.arrow")).read_all().to_pandas()
    assert sorted(set(probes.position)) == [t, t + 1, t + 2]


def test_image_ids_split_adjacent_images():
    ids = image_ids_from_input_ids([1, 9, 9, 9, 9, 2], 9, 2)
    assert ids.tolist() == [-1, 0, 0, 1, 1, -1]
