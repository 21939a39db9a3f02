"""Runs the "Reading it elsewhere" block of traces/FORMAT.md as it stands, on the bundled sample trace, so that what the
format documentation promises about pyarrow, pandas, Polars and DuckDB stays true. Skips visibly without them."""
import os
import re

import pytest

pytest.importorskip("pyarrow", reason="pyarrow is not installed")
pytest.importorskip("duckdb", reason="duckdb is not installed")
pytest.importorskip("polars", reason="polars is not installed")
pytest.importorskip("pandas", reason="pandas is not installed")

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT = os.path.join(HERE, "..", "FORMAT.md")
SAMPLE = os.path.join(HERE, "..", "src", "main", "resources", "lookm", "traces", "sample")
SAMPLE_T, SAMPLE_D, SAMPLE_LAYERS, SAMPLE_KV_HEADS = 864, 64, 4, 4


def documented_block(heading="## Reading it elsewhere"):
    text = open(FORMAT, encoding="utf-8").read()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_documented_snippets_run_on_the_sample(tmp_path, monkeypatch):
    os.symlink(os.path.abspath(SAMPLE), tmp_path / "t")
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(documented_block(), "FORMAT.md", "exec"), scope)
    share = scope["share"].set_index("modality")["mean"]
    assert set(share.index) == {"text", "image"} and share["text"] > share["image"]   # the generator's text prior
    polars_share = dict(scope["per_modality"].iter_rows())
    assert polars_share["text"] == pytest.approx(share["text"], rel=1e-6)
    assert scope["keys"].shape == (SAMPLE_T, SAMPLE_D) and str(scope["keys"].dtype) == "float16"
    assert len(scope["frame"]) == SAMPLE_LAYERS * SAMPLE_KV_HEADS * SAMPLE_T
    assert len(scope["norms"]) == SAMPLE_LAYERS * SAMPLE_KV_HEADS and (scope["norms"].key_norm > 0).all()


V2_RECORDINGS = {   # issue 14's acceptance pair: a Qwen2-VL- and a LLaVA-OneVision-shaped trace, image + video
    "qwen2-vl": "USER: <|vision_start|> <|image_pad|> <|vision_end|> what is this and <|vision_start|> <|video_pad|> <|vision_end|> ?",
    "llava-onevision": "USER: <image> what is this and <video> ?",
}


@pytest.mark.parametrize("architecture", list(V2_RECORDINGS))
def test_the_documented_v2_snippet_runs_on_a_recording(tmp_path, monkeypatch, architecture):
    """The "Reading a v2 trace" block (pyarrow, pandas, Polars, DuckDB), on traces the recorder writes from the tiny Qwen2-VL
    and LLaVA-OneVision (image + video, with the decode part)."""
    pytest.importorskip("torch", reason="torch is not installed: recording the v2 example needs it")
    pytest.importorskip("transformers", reason="transformers is not installed: recording the v2 example needs it")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import tiny_models as tm
    from record_trace import record_inputs
    if architecture == "qwen2-vl":
        model, processor = tm.qwen2_vl()
        media = dict(images=[tm.image(40, 56)], videos=[tm.video(4, 32, 32)])
    else:
        model, processor = tm.llava_onevision()
        media = dict(images=[tm.image(20, 36)], videos=[tm.video(3, tm.OV_IMAGE, tm.OV_IMAGE)])
    inputs = dict(processor(text=V2_RECORDINGS[architecture], return_tensors="pt", **media))
    record_inputs(model, inputs, str(tmp_path / "q"), window=4, probes=2, decode=True)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(documented_block("Reading a v2 trace"), "FORMAT.md (v2)", "exec"), scope)
    t = inputs["input_ids"].shape[1]
    assert set(dict(scope["per_modality"].iter_rows())) == {"text", "image", "video", "special"}
    assert scope["mrope"].shape == (3, t)
    assert sorted(set(scope["generated"].position)) == [t, t + 1] and len(scope["generated"]) == tm.LAYERS * tm.KV_HEADS * 2
    frames = scope["per_frame"].frame_index.tolist()
    if architecture == "qwen2-vl":
        (frames_t, _, _), = inputs["video_grid_thw"].tolist()
        assert frames == list(range(frames_t))
        (_, ih, iw), = inputs["image_grid_thw"].tolist()
        assert scope["image_grid"].tolist() == [iw // tm.QWEN_MERGE] * (ih // tm.QWEN_MERGE)
        assert (scope["mrope"][1] != scope["mrope"][2]).any()
    else:
        assert frames == list(range(len(media["videos"][0])))                  # OneVision: one pooled frame per frame
        assert (scope["mrope"][0] == scope["mrope"][1]).all()                   # 1-D RoPE: the three rows are equal
