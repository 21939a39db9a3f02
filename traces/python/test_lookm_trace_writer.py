"""Tests of the pyarrow trace writer on its own: round trip, atomic commit, refusals with what and where."""
import os

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed: the trace writer needs it")

import hashlib  # noqa: E402

from lookm_trace_writer import TraceWriter, attention_sum_tolerance  # noqa: E402

L, HQ, HKV, T, D, W, P = 2, 4, 2, 6, 4, 2, 3
IMAGE_IDS = [-1, 0, 0, 0, -1, -1]


def meta(**changes):
    return {"model_name": "m", "layers": L, "query_heads": HQ, "kv_heads": HKV, "head_dim": D, "rope_base": 10000.0,
            "dtype": "float32", "tokens_per_image": 3, "tokens": T, "prefill_queries": W, "probes": P, "source": "test"} | changes


def layer_arrays(layer, seed=0):
    rng = np.random.default_rng(seed + layer)
    attention = rng.random((HQ, T))
    return dict(keys=rng.standard_normal((HKV, T, D)), values=rng.standard_normal((HKV, T, D)),
                attention=attention / attention.sum(axis=1, keepdims=True) * T,   # each head sums to T (FORMAT.md)
                prefill_queries=rng.standard_normal((HQ, W, D)),
                probe_queries=rng.standard_normal((HQ, P, D)))


def write(path, m=None, layers=L, **override):
    with TraceWriter(path, m or meta(), IMAGE_IDS, token_ids=[1, 9, 9, 9, 2, 3]) as w:
        for layer in range(layers):
            w.write_layer(layer, **(layer_arrays(layer) | override))


def read(path, name):
    return pa.ipc.open_file(os.path.join(path, name)).read_all()


def test_round_trip_float32_is_exact_and_float16_is_rounded(tmp_path):
    for dtype, np_type in (("float32", np.float32), ("float16", np.float16)):
        out = tmp_path / dtype
        write(out, meta(dtype=dtype))
        kv = read(out, "kv.arrow")
        assert kv.schema.metadata[b"lookm.trace.dtype"] == dtype.encode()
        for layer in range(L):
            a = layer_arrays(layer)
            rows = kv.filter(pa.compute.equal(kv["layer"], layer))
            keys = np.stack(rows["key"].to_numpy(zero_copy_only=False)).reshape(HKV, T, D)
            np.testing.assert_array_equal(keys, a["keys"].astype(np_type))
            att = read(out, "attention.arrow").to_pandas()
            np.testing.assert_array_equal(att[att.layer == layer].accumulated_attention.to_numpy().reshape(HQ, T),
                                          a["attention"].astype(np.float32))
        assert read(out, "layout.arrow").to_pandas().modality.tolist() == ["text", "image", "image", "image", "text", "text"]
        assert sorted(set(read(out, "probes.arrow").to_pandas().position)) == [T, T + 1, T + 2]


def test_never_overwrites_unless_asked(tmp_path):
    out = tmp_path / "t"
    write(out)
    before = read(out, "kv.arrow").to_pandas()
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        write(out)
    with TraceWriter(out, meta(), IMAGE_IDS, overwrite=True) as w:
        for layer in range(L):
            w.write_layer(layer, **layer_arrays(layer, seed=7))
    after = read(out, "kv.arrow").to_pandas()
    assert not np.array_equal(np.stack(before.key), np.stack(after.key))
    assert os.listdir(tmp_path) == ["t"], "no temporary or moved-aside directory is left"


def test_nothing_is_committed_after_an_error_or_an_incomplete_trace(tmp_path):
    with pytest.raises(RuntimeError):
        with TraceWriter(tmp_path / "a", meta(), IMAGE_IDS) as w:
            w.write_layer(0, **layer_arrays(0))
            raise RuntimeError("the recorder crashed")
    with pytest.raises(ValueError, match="incomplete, 1 of 2 layers written; nothing committed"):
        write(tmp_path / "b", layers=1)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("change, message", [
    (dict(keys=np.where(np.arange(D) == 2, np.nan, 0.0) * np.ones((HKV, T, D))), r"layer 0, kv head 0, keys, token 0, element 2: nan \(NaN/Inf\)"),
    (dict(values=np.pad(np.full((1, 1, 1), np.inf), ((1, 0), (3, T - 4), (1, D - 2)))), r"layer 0, kv head 1, values, token 3, element 1: inf"),
    (dict(attention=-np.ones((HQ, T))), r"layer 0, query head 0, token 0: accumulated attention -1.0 is not a finite non-negative"),
    (dict(attention=np.full((HQ, T), 2.0)), r"layer 0, query head 0: accumulated attention sums to 12.0, expected T = 6"),
    (dict(prefill_queries=np.ones((HQ, W + 1, D))), r"layer 0: prefill_queries has shape \(4, 3, 4\), expected \(4, 2, 4\)"),
    (dict(probe_queries=None), r"layer 0: probe_queries has shape None"),
    (dict(probe_positions=[T, T, T + 1]), r"probe_positions \[6, 6, 7\] must be 3 ascending positions >= 6"),
    (dict(keys=np.ones((HKV, T + 1, D))), r"layer 0: keys has shape \(2, 7, 4\), expected \(2, 6, 4\)"),
])
def test_bad_layers_are_refused_naming_what_and_where(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        write(tmp_path / "t", **change)
    assert os.listdir(tmp_path) == []


def test_float16_overflow_is_named(tmp_path):
    big = np.zeros((HQ, P, D))
    big[3, 1, 0] = 1e5
    with pytest.raises(ValueError, match=r"layer 0, query head 3, probe_queries, token 7, element 0: 100000.0 \(overflows float16\)"):
        write(tmp_path / "t", meta(dtype="float16"), probe_queries=big)


def test_layers_in_order_sane_metadata_and_layout(tmp_path):
    with pytest.raises(ValueError, match="got layer 1, expected layer 0"):
        with TraceWriter(tmp_path / "a", meta(), IMAGE_IDS) as w:
            w.write_layer(1, **layer_arrays(1))
    with pytest.raises(ValueError, match="dtype 'bfloat16' is not one of float16, float32"):
        TraceWriter(tmp_path / "b", meta(dtype="bfloat16"), IMAGE_IDS)
    with pytest.raises(ValueError, match="query_heads = 4 is not a multiple of kv_heads = 3"):
        TraceWriter(tmp_path / "c", meta(kv_heads=3), IMAGE_IDS)
    with pytest.raises(ValueError, match=r"image_ids has shape \(5,\), expected \(6,\)"):
        TraceWriter(tmp_path / "d", meta(), IMAGE_IDS[:5])
    with pytest.raises(ValueError, match=r"image 0 spans tokens 1..2 \(2 tokens\), expected tokens_per_image = 3"):
        TraceWriter(tmp_path / "e", meta(), [-1, 0, 0, -1, -1, -1])
    with pytest.raises(ValueError, match="token 4: image index 0, expected 1"):
        TraceWriter(tmp_path / "f", meta(tokens_per_image=0), [-1, 0, 0, -1, 0, -1])
    with pytest.raises(ValueError, match="token 1: image index 1, expected 0"):
        TraceWriter(tmp_path / "g", meta(), [-1, 1, 1, 1, -1, -1])
    assert os.listdir(tmp_path) == []


# Version 2: T = 6 tokens: text, special (vision start), two image tokens (tile 0), special (vision end), video token.
V2_LAYOUT = {"modality": ["text", "special", "image", "image", "special", "video"],
             "image_index": [-1, 0, 0, 0, 0, -1], "video_index": [-1, -1, -1, -1, -1, 0],
             "tile_index": [-1, -1, 0, 0, -1, -1], "frame_index": [-1, -1, -1, -1, -1, 0],
             "rope_t": [0, 1, 2, 2, 3, 4], "rope_h": [0, 1, 2, 3, 3, 4], "rope_w": [0, 1, 2, 2, 3, 4]}
V2_META = {"architecture": "qwen2-vl", "rope_axes": 3, "tokens_per_image": 0}


def write_v2(path, layout=None, **changes):
    with TraceWriter(path, meta(**(V2_META | changes)), V2_LAYOUT if layout is None else layout) as w:
        for layer in range(L):
            w.write_layer(layer, **layer_arrays(layer))


def test_version_2_writes_every_per_token_column(tmp_path):
    write_v2(tmp_path / "t")
    lay = read(tmp_path / "t", "layout.arrow")
    meta_ = lay.schema.metadata
    assert (meta_[b"lookm.trace.version"], meta_[b"lookm.model.architecture"], meta_[b"lookm.model.rope_axes"]) == (b"2", b"qwen2-vl", b"3")
    assert read(tmp_path / "t", "kv.arrow").schema.metadata[b"lookm.trace.version"] == b"2"
    for column, values in V2_LAYOUT.items():
        assert lay.column(column).to_pylist() == values, column
        assert column == "modality" or lay.schema.field(column).type == pa.int32()


@pytest.mark.parametrize("column, token, value, message", [
    ("modality", 2, "audio", r"layout, token 2: modality 'audio' is not one of text, image, video, special"),
    ("modality", 2, "text", r"layout, token 2: text tokens have no image, video, tile or frame index"),
    ("image_index", 2, -1, r"layout, token 2: image tokens need image_index >= 0 and tile_index >= 0"),
    ("image_index", 1, 1, r"layout, token 1: image_index 1, expected 0"),
    ("video_index", 5, -1, r"layout, token 5: video tokens need video_index >= 0 and frame_index >= 0"),
    ("video_index", 2, 0, r"layout, token 2: image tokens need .* and no video or frame index"),
    ("tile_index", 3, -1, r"layout, token 3: image tokens need image_index >= 0 and tile_index >= 0"),
    ("tile_index", 0, -2, r"layout, token 0: tile_index = -2 is out of range \(>= -1\)"),
    ("frame_index", 5, -1, r"layout, token 5: video tokens need video_index >= 0 and frame_index >= 0"),
    ("frame_index", 4, 0, r"layout, token 4: special tokens belong to at most one image or video and have no frame index"),
    ("rope_t", 3, -1, r"layout, token 3: rope_t = -1 is out of range \(>= 0\)"),
    ("rope_w", 1, 2 ** 31, r"layout, token 1: rope_w = 2147483648 is out of range"),
])
def test_each_v2_field_is_validated_naming_the_token(tmp_path, column, token, value, message):
    layout = {k: list(v) for k, v in V2_LAYOUT.items()}
    layout[column][token] = value
    with pytest.raises(ValueError, match=message):
        write_v2(tmp_path / "t", layout)
    assert os.listdir(tmp_path) == []


def test_v2_needs_its_columns_and_metadata(tmp_path):
    with pytest.raises(ValueError, match="layout lacks column"):
        write_v2(tmp_path / "a", {k: v for k, v in V2_LAYOUT.items() if k != "frame_index"})
    with pytest.raises(ValueError, match=r"layout column rope_h has shape \(5,\), expected \(6,\)"):
        write_v2(tmp_path / "b", V2_LAYOUT | {"rope_h": [0, 1, 2, 3, 3]})
    with pytest.raises(ValueError, match="version-2 metadata needs architecture and rope_axes"):
        write_v2(tmp_path / "c", rope_axes=2)
    with pytest.raises(ValueError, match="version-2 metadata needs architecture and rope_axes"):
        with TraceWriter(tmp_path / "d", meta(rope_axes=3, tokens_per_image=0), V2_LAYOUT):
            pass
    assert os.listdir(tmp_path) == []


def test_one_dimensional_rope_needs_equal_position_columns(tmp_path):
    with pytest.raises(ValueError, match=r"layout, token 2: 1-D RoPE \(rope_axes = 1\) but positions \(2, 2, 9\) differ"):
        write_v2(tmp_path / "t", V2_LAYOUT | {"rope_h": V2_LAYOUT["rope_t"], "rope_w": [0, 1, 9, 2, 3, 4]}, rope_axes=1)


def test_integrity_data_lists_every_file_with_its_sha256_size_rows_and_batches(tmp_path):
    out = tmp_path / "t"
    write(out)
    manifest = pa.ipc.open_file(os.path.join(out, "integrity.arrow"))
    assert manifest.schema.metadata[b"lookm.integrity.algorithm"] == b"sha256"
    assert manifest.schema.metadata[b"lookm.trace.tokens"] == str(T).encode()
    rows = manifest.read_all().to_pylist()
    assert [r["file"] for r in rows] == ["layout.arrow", "kv.arrow", "attention.arrow", "queries.arrow", "probes.arrow"]
    expected_rows = {"layout.arrow": (T, 1), "kv.arrow": (L * HKV * T, L * HKV), "attention.arrow": (L * HQ * T, L),
                     "queries.arrow": (L * HQ * W, L), "probes.arrow": (L * HQ * P, L)}
    for r in rows:
        path = os.path.join(out, r["file"])
        assert r["sha256"] == hashlib.sha256(open(path, "rb").read()).hexdigest()
        assert r["bytes"] == os.path.getsize(path)
        assert (r["rows"], r["batches"]) == expected_rows[r["file"]]
        assert len(pa.ipc.open_file(path).read_all()) == r["rows"]


def test_attention_sum_tolerance_is_the_java_formula():
    # AttentionSums.tolerance: T*(u + T*eta/2 + (2T + 2)*u32)
    assert attention_sum_tolerance("float16", 864) == 864 * (2.0 ** -11 + 864 * 2.0 ** -25 + (2 * 864 + 2) * 2.0 ** -24)
    assert attention_sum_tolerance("float32", 39) == 39 * (2.0 ** -24 + 39 * 2.0 ** -150 + (2 * 39 + 2) * 2.0 ** -24)


def decode_arrays(layer, seed=5):
    rng = np.random.default_rng(seed + layer)
    return dict(decode_keys=rng.standard_normal((HKV, P, D)), decode_values=rng.standard_normal((HKV, P, D)))


def test_the_decode_part_round_trips_and_is_sealed(tmp_path):
    out = tmp_path / "d"
    with TraceWriter(out, meta(decode_steps=P), IMAGE_IDS) as w:
        for layer in range(L):
            w.write_layer(layer, **layer_arrays(layer), **decode_arrays(layer))
    table = read(out, "decode.arrow")
    assert table.schema.metadata[b"lookm.decode.version"] == b"1" and table.schema.metadata[b"lookm.trace.decode_steps"] == str(P).encode()
    assert read(out, "kv.arrow").schema.metadata[b"lookm.trace.decode_steps"] == str(P).encode()   # every file carries it
    frame = table.to_pandas()
    for layer in range(L):
        rows = frame[frame.layer == layer].sort_values(["kv_head", "position"])
        assert rows.position.tolist() == list(range(T, T + P)) * HKV and rows.kv_head.tolist() == [h for h in range(HKV) for _ in range(P)]
        np.testing.assert_array_equal(np.stack(rows.value.to_numpy()).reshape(HKV, P, D), decode_arrays(layer)["decode_values"].astype(np.float32))
    manifest = read(out, "integrity.arrow").to_pandas().set_index("file")
    assert manifest.loc["decode.arrow", "rows"] == L * HKV * P and manifest.loc["decode.arrow", "batches"] == L
    assert not (tmp_path / "plain").exists()
    write(tmp_path / "plain")
    assert b"lookm.trace.decode_steps" not in read(tmp_path / "plain", "kv.arrow").schema.metadata
    assert not (tmp_path / "plain" / "decode.arrow").exists()


@pytest.mark.parametrize("change, message", [
    (dict(steps=P - 1), "decode_steps = 2 must be 0 (no decode part) or equal probes = 3"),
    (dict(shape=(HKV, P + 1, D)), "decode_keys has shape"),
    (dict(missing=True), "decode_values has shape None"),
    (dict(nan=True), "layer 0, kv head 1, decode_keys, token 8, element 2"),
    (dict(positions=[T, T + 1, T + 3]), "must be 6..8: with a decode part the probes are the generated tokens' queries"),
    (dict(unannounced=True), "the metadata has no decode part"),
])
def test_the_decode_part_refuses_what_it_cannot_store_naming_where(tmp_path, change, message):
    arrays = decode_arrays(0)
    if "shape" in change:
        arrays["decode_keys"] = np.zeros(change["shape"])
    if change.get("missing"):
        arrays["decode_values"] = None
    if change.get("nan"):
        arrays["decode_keys"][1, 2, 2] = np.nan
    extra = {"probe_positions": change["positions"]} if "positions" in change else {}
    m = meta(decode_steps=0 if change.get("unannounced") else change.get("steps", P))
    with pytest.raises(ValueError, match=None) as e:
        with TraceWriter(tmp_path / "t", m, IMAGE_IDS) as w:
            w.write_layer(0, **layer_arrays(0), **arrays, **extra)
    assert message in str(e.value), str(e.value)
    assert not (tmp_path / "t").exists() and os.listdir(tmp_path) == []
