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


def documented_block():
    text = open(FORMAT, encoding="utf-8").read()
    section = text[text.index("## Reading it elsewhere"):]
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
