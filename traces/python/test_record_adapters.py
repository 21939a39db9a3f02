"""Tests of the recorder adapters (recorder_adapters.py) on tiny random Qwen2-VL, Qwen2.5-VL, LLaVA-OneVision and
LLaVA-NeXT models with their real processors (tiny_models.py; no download), each prompt with an image (and a video where
the architecture takes one). Every recorded part is checked against something the recorder did not compute:

  * layout: against the processor (its expanded placeholders, mm_token_type_ids, grids, its own count of AnyRes
    newline rows) and against the model (every image_newline token has the same layer-0 value vector, no other does);
  * positions: against the model's own get_rope_index (M-RoPE) or the cache positions (1-D RoPE);
  * accumulated attention: against the column sums of the model's own eager attention probabilities, and against the
    causal softmax of the stored queries and keys;
  * probe queries: against the model's own (eager) decode attention;
  * the decode part (the generated tokens' keys and values): against the cache of the model's own (eager) greedy decode.

The two acceptance recordings (Qwen2-VL and LLaVA-OneVision, image + video) are also validated, replayed (once, and
streamed through the decode part), swept by the Java app, and refused with exit 2 after one flipped bit in any data
file or with any data file taken from a twin recording (same model and prompt, another image).

Skips visibly when torch, transformers or pyarrow are missing; the Java app test skips visibly when it is not built.
"""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch = pytest.importorskip("torch", reason="torch is not installed: the recorder test needs it")
pytest.importorskip("transformers", reason="transformers is not installed: the recorder test needs it")
pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed: the recorder writes Arrow with it")

import tiny_models as tm  # noqa: E402
from record_trace import causal_column_sums, decoder_layers, record_inputs  # noqa: E402
from recorder_adapters import adapter_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(HERE, "..", "..", "bench", "lookm")
APP_JAR = os.path.join(HERE, "..", "..", "bench", "target", "lookm.jar")
PROBES = 2
JAVA_CHECKED = ("qwen2-vl", "llava-onevision")
QWEN_PROMPT = ("USER: <|vision_start|> <|image_pad|> <|vision_end|> what is this and <|vision_start|> <|video_pad|> "
               "<|vision_end|> ? ASSISTANT:")
CASES = {
    "qwen2-vl": (lambda: tm.qwen2_vl("qwen2-vl"), QWEN_PROMPT, lambda: dict(images=[tm.image(40, 56)], videos=[tm.video(4, 32, 32)])),
    "qwen2.5-vl": (lambda: tm.qwen2_vl("qwen2.5-vl"), QWEN_PROMPT, lambda: dict(images=[tm.image(40, 56)], videos=[tm.video(4, 32, 32)])),
    "llava-onevision": (tm.llava_onevision, "USER: <image> what is this and <video> ? ASSISTANT:",
                        lambda: dict(images=[tm.image(20, 36)], videos=[tm.video(3, tm.OV_IMAGE, tm.OV_IMAGE)])),
    "llava-next": (tm.llava_next, "USER: <image> what is this ? ASSISTANT:", lambda: dict(images=[tm.image(20, 36)])),
}


def table(trace, name):
    return pa.ipc.open_file(os.path.join(trace, name)).read_all().to_pandas()


def vectors(frame, column, heads, head_column):
    frame = frame.sort_values([head_column, "position"])
    return np.stack(frame[column].to_numpy()).astype(np.float64).reshape(heads, -1, tm.HEAD_DIM)


@pytest.fixture(scope="module", params=list(CASES))
def recorded(request, tmp_path_factory):
    build, prompt, media = CASES[request.param]
    model, processor = build()
    inputs = dict(processor(text=prompt, return_tensors="pt", **media()))
    out = record_inputs(model, inputs, str(tmp_path_factory.mktemp(request.param) / "trace"), window=None, probes=PROBES,
                        dtype="float32", model_name=f"tiny-{request.param}", decode=True)
    return request.param, out, model, processor, inputs


def test_metadata_names_the_architecture_and_its_rope_axes(recorded):
    name, out, _, _, inputs = recorded
    meta = pa.ipc.open_file(os.path.join(out, "kv.arrow")).schema.metadata
    assert meta[b"lookm.trace.version"] == b"2"
    assert meta[b"lookm.model.architecture"] == name.encode()
    assert meta[b"lookm.model.rope_axes"] == (b"3" if name.startswith("qwen") else b"1")
    assert meta[b"lookm.trace.tokens"] == str(inputs["input_ids"].shape[1]).encode()
    assert meta[b"lookm.model.tokens_per_image"] == b"0"   # varies: special tokens and video


def test_layout_matches_the_processor(recorded):
    name, out, model, processor, inputs = recorded
    lay = table(out, "layout.arrow")
    ids = inputs["input_ids"][0].numpy()
    assert lay.token_id.tolist() == ids.tolist()
    if name.startswith("qwen"):
        types = inputs["mm_token_type_ids"][0].numpy()
        assert (lay.modality == "image").tolist() == (types == 1).tolist()
        assert (lay.modality == "video").tolist() == (types == 2).tolist()
        specials = np.isin(ids, [model.config.vision_start_token_id, model.config.vision_end_token_id])
        assert (lay.modality == "special").tolist() == specials.tolist()
        merge = model.config.vision_config.spatial_merge_size ** 2
        (t, h, w), = inputs["image_grid_thw"].tolist()
        assert (lay.image_index == 0).sum() == t * h * w // merge + 2        # + vision start and end
        assert set(lay.tile_index[lay.modality == "image"]) == {0}
        (t, h, w), = inputs["video_grid_thw"].tolist()
        frames = lay.frame_index[lay.modality == "video"].to_numpy()
        np.testing.assert_array_equal(frames, np.repeat(np.arange(t), h * w // merge))
        assert (lay.video_index == 0).sum() == t * h * w // merge + 2
    else:
        image_token = model.config.image_token_id
        image = lay[ids == image_token]
        assert (image.image_index == 0).all() and image.modality.isin(["image", "special"]).all()
        size = inputs["image_sizes"][0].tolist()
        side = model.config.vision_config.image_size // model.config.vision_config.patch_size
        height, width = inputs["pixel_values"].shape[-2:]
        best = processor.image_processor.image_grid_pinpoints
        from transformers.image_processing_utils import select_best_resolution
        bh, bw = select_best_resolution(size, best)
        unpadded, newlines = processor._get_unpadded_features(*size, side, side, bh // height, bw // width)
        assert (image.modality == "special").sum() == newlines
        assert (image.tile_index == 0).sum() == side * side                 # the base view
        assert ((image.tile_index > 0).sum(), image.tile_index.max()) == (unpadded, (bh // height) * (bw // width))
        if name == "llava-onevision":
            (frames, _, _, _), = [v.shape for v in inputs["pixel_values_videos"]]
            video = lay[ids == model.config.video_token_id]
            pooled = (-(-side // 2)) ** 2                                   # ceil(side / 2) squared
            assert (video.modality == "video").sum() == frames * pooled and video.modality.iloc[-1] == "special"
            np.testing.assert_array_equal(video.frame_index.to_numpy()[:-1], np.repeat(np.arange(frames), pooled))
    assert ((lay.modality == "text") == (lay.image_index.lt(0) & lay.video_index.lt(0))).all()


def test_special_tokens_are_the_model_structure_tokens(recorded):
    """Qwen: the special tokens are exactly the vision start / end around each image and video. LLaVA: layer-0 values
    depend on the input embedding only (not on the position), so every token labelled as an AnyRes or video newline
    must carry the one image_newline embedding, and no image patch may."""
    name, out, _, _, _ = recorded
    lay, kv = table(out, "layout.arrow"), table(out, "kv.arrow")
    if name.startswith("qwen"):
        for column, modality in (("image_index", "image"), ("video_index", "video")):
            inner = np.flatnonzero((lay.modality == modality).to_numpy())
            special = np.flatnonzero(((lay.modality == "special") & (lay[column] >= 0)).to_numpy())
            assert special.tolist() == [inner[0] - 1, inner[-1] + 1]
        return
    values = vectors(kv[kv.layer == 0], "value", tm.KV_HEADS, "kv_head")          # (Hkv, T, D)
    newline = np.flatnonzero(((lay.modality == "special") & (lay.image_index >= 0)).to_numpy())
    first = values[:, newline[0]]
    for t in newline:
        np.testing.assert_allclose(values[:, t], first, rtol=1e-5, atol=1e-6, err_msg=f"token {t}")
    patches = np.flatnonzero((lay.modality == "image").to_numpy())
    assert min(np.abs(values[:, t] - first).max() for t in patches) > 1e-3


def test_positions_are_the_model_own(recorded):
    name, out, model, _, inputs = recorded
    lay = table(out, "layout.arrow")
    got = np.stack([lay.rope_t, lay.rope_h, lay.rope_w])
    if name.startswith("qwen"):
        extra = {"second_per_grid_ts": inputs["second_per_grid_ts"]} if "second_per_grid_ts" in inputs else {}
        expected, _ = model.model.get_rope_index(inputs["input_ids"], inputs["mm_token_type_ids"], inputs["image_grid_thw"],
                                                 inputs["video_grid_thw"], **extra)
        np.testing.assert_array_equal(got, expected[:, 0].numpy())
        assert (got[1] != got[2]).any(), "M-RoPE positions should differ between height and width"
    else:
        np.testing.assert_array_equal(got, np.tile(np.arange(len(lay)), (3, 1)))


def eager_probabilities(model, inputs, probes):
    """The model's own eager attention: prefill probabilities per layer (Hq, T, T) and each decode step's (Hq, T+s+1),
    and the cache after the greedy steps."""
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            forward = adapter_for(model).forward_inputs(inputs)
            step = model(**forward, use_cache=True, output_attentions=True, return_dict=True)
            prefill = [a[0].double().numpy() for a in step.attentions]
            decode = []
            for _ in range(probes):
                step = model(input_ids=step.logits[0, -1].argmax().view(1, 1), past_key_values=step.past_key_values,
                             use_cache=True, output_attentions=True, return_dict=True)
                decode.append([a[0, :, 0].double().numpy() for a in step.attentions])
    finally:
        model.set_attn_implementation("sdpa")
    return prefill, decode, step.past_key_values


def test_attention_matches_the_model_eager_probabilities_and_the_stored_queries(recorded):
    _, out, model, _, inputs = recorded
    t, group = inputs["input_ids"].shape[1], tm.QUERY_HEADS // tm.KV_HEADS
    prefill, decode, _ = eager_probabilities(model, inputs, PROBES)
    kv, att, qs, probes = (table(out, n) for n in ("kv.arrow", "attention.arrow", "queries.arrow", "probes.arrow"))
    causal = np.tril(np.ones((t, t), dtype=bool))
    for layer in range(tm.LAYERS):
        sums = att[att.layer == layer].sort_values(["query_head", "position"]).accumulated_attention.to_numpy()
        sums = sums.reshape(tm.QUERY_HEADS, t)
        np.testing.assert_allclose(sums, prefill[layer].sum(axis=1), rtol=1e-4, atol=1e-5, err_msg=f"layer {layer} vs eager")
        keys = vectors(kv[kv.layer == layer], "key", tm.KV_HEADS, "kv_head")
        queries = vectors(qs[qs.layer == layer], "query", tm.QUERY_HEADS, "query_head")
        probe = vectors(probes[probes.layer == layer], "query", tm.QUERY_HEADS, "query_head")
        for h in range(tm.QUERY_HEADS):
            logits = np.where(causal, queries[h] @ keys[h // group].T / np.sqrt(tm.HEAD_DIM), -np.inf)
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            np.testing.assert_allclose(sums[h], (p / p.sum(axis=1, keepdims=True)).sum(axis=0), rtol=1e-4, atol=1e-5,
                                       err_msg=f"layer {layer}, head {h} vs stored queries and keys")
            for s in range(PROBES):
                logits = probe[h, s] @ keys[h // group].T / np.sqrt(tm.HEAD_DIM)
                mine = np.exp(logits - logits.max())
                model_row = decode[s][layer][h, :t]
                np.testing.assert_allclose(mine / mine.sum(), model_row / model_row.sum(), rtol=1e-4, atol=1e-6,
                                           err_msg=f"layer {layer}, probe {s}, head {h}")
        assert sums.max() > 2 * sums.min() + 1, "attention is not peaked: a weak check"
    assert model.config._attn_implementation == "sdpa"


def test_the_decode_part_is_what_the_model_own_greedy_decode_appends_to_its_cache(recorded):
    """decode.arrow holds the keys and values of the PROBES generated tokens at T.., as an independent eager run of the
    same greedy steps leaves them in the model's cache; the probes (their queries) sit at the same positions."""
    from record_trace import cache_layer
    _, out, model, _, inputs = recorded
    t = inputs["input_ids"].shape[1]
    _, _, cache = eager_probabilities(model, inputs, PROBES)
    generated, probes = table(out, "decode.arrow"), table(out, "probes.arrow")
    meta = pa.ipc.open_file(os.path.join(out, "decode.arrow")).schema.metadata
    assert (meta[b"lookm.decode.version"], meta[b"lookm.trace.decode_steps"]) == (b"1", str(PROBES).encode())
    assert sorted(set(generated.position)) == sorted(set(probes.position)) == list(range(t, t + PROBES))
    for layer in range(tm.LAYERS):
        k, v = (x[0, :, t:t + PROBES].double().numpy() for x in cache_layer(cache, layer))
        rows = generated[generated.layer == layer]
        np.testing.assert_allclose(vectors(rows, "key", tm.KV_HEADS, "kv_head"), k, rtol=1e-4, atol=1e-5, err_msg=f"layer {layer} keys")
        np.testing.assert_allclose(vectors(rows, "value", tm.KV_HEADS, "kv_head"), v, rtol=1e-4, atol=1e-5, err_msg=f"layer {layer} values")


def test_block_wise_column_sums_equal_the_dense_softmax():
    """Many blocks of one or a few rows (the 8k / 32k case in miniature) against the dense causal softmax, with GQA."""
    g = torch.Generator().manual_seed(3)
    hq, hkv, t, d = 4, 2, 37, 8
    q, k = torch.randn(hq, t, d, generator=g) * 2, torch.randn(hkv, t, d, generator=g) * 2
    dense = torch.stack([torch.softmax((q[h] @ k[h // 2].T * d ** -0.5).masked_fill(
        torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf")), dim=-1).sum(0) for h in range(hq)])
    for elements in (1, t * 5, t * t, 10 ** 9):
        np.testing.assert_allclose(causal_column_sums(q, k, d ** -0.5, elements).numpy(), dense.numpy(), rtol=1e-5, atol=1e-5,
                                   err_msg=f"block_elements = {elements}")


def test_refuses_padding_and_unsupported_models(tmp_path):
    model, processor = tm.qwen2_vl()
    inputs = dict(processor(text=QWEN_PROMPT, return_tensors="pt", images=[tm.image(40, 56)], videos=[tm.video(4, 32, 32)]))
    padded = dict(inputs, attention_mask=inputs["attention_mask"].clone())
    padded["attention_mask"][0, 0] = 0
    with pytest.raises(ValueError, match="padded positions"):
        record_inputs(model, padded, str(tmp_path / "a"), window=4)
    broken = dict(inputs, input_ids=inputs["input_ids"].clone())
    broken["input_ids"][0, inputs["input_ids"][0].tolist().index(model.config.image_token_id)] = 5
    with pytest.raises(ValueError, match="mm_token_type_ids .* disagree"):
        record_inputs(model, broken, str(tmp_path / "b"), window=4)
    with pytest.raises(ValueError, match="model class Linear is not supported"):
        record_inputs(torch.nn.Linear(2, 2), inputs, str(tmp_path / "c"), window=4)
    assert os.listdir(tmp_path) == [] and decoder_layers(model)


@pytest.mark.skipif(not os.path.isfile(APP_JAR), reason=f"the lookm app is not built ({APP_JAR}); build it with "
                    "`mvn -q -pl bench -am package -DskipTests` to check that Java reads the recording")
@pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("JAVA_HOME"), reason="no java to run the lookm app")
def test_the_java_app_validates_replays_and_sweeps_the_recording(recorded, tmp_path):
    """The acceptance pair (a Qwen2-VL- and a LLaVA-OneVision-shaped trace, image + video); the others are read by the
    same code (each JVM start costs seconds)."""
    name, out, _, _, _ = recorded
    if name not in JAVA_CHECKED:
        pytest.skip(f"{name}: the Java app is run on {', '.join(JAVA_CHECKED)} only")

    def lookm(*args):
        done = subprocess.run(["bash", LAUNCHER, *args], capture_output=True, text=True)
        assert done.returncode == 0, f"lookm {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout
    assert f"valid LOOK-M trace v2 with a decode part of {PROBES} generated tokens" in lookm("trace", "validate", out)
    lookm("replay", f"--trace={out}", "--policy=lookm", "--budget=0.5", "--quiet", f"--out={tmp_path / 'replay'}")
    lookm("sweep", f"--trace={out}", "--policies=lookm,h2o", "--budgets=0.3,0.6", "--quiet", f"--out={tmp_path / 'sweep'}")
    assert (tmp_path / "replay").is_dir() and (tmp_path / "sweep").is_dir()
    t = int(pa.ipc.open_file(os.path.join(out, "layout.arrow")).schema.metadata[b"lookm.trace.tokens"])
    lookm("replay", f"--trace={out}", "--policy=lookm-budgeted", "--decode-every=1", f"--decode-cap={t // 2}", "--quiet",
          f"--out={tmp_path / 'decode'}")
    report = json.loads((tmp_path / "decode" / "decode.json").read_text())
    assert report["invariant"]["holds"] and report["invariant"]["maxRowsAfterCompression"] == t // 2
    assert len(report["perStep"]) == PROBES and report["invariant"]["maxRowsAtAnyStep"] == t // 2 + 1


@pytest.mark.skipif(not os.path.isfile(APP_JAR), reason=f"the lookm app is not built ({APP_JAR}); build it with "
                    "`mvn -q -pl bench -am package -DskipTests` to check that Java refuses damaged recordings")
@pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("JAVA_HOME"), reason="no java to run the lookm app")
def test_the_java_app_refuses_a_flipped_bit_in_any_data_file_and_any_file_from_another_trace(recorded, tmp_path):
    """Issue 14's acceptance: one flipped bit in any data file, or one data file from a twin recording (same model, prompt
    and metadata, another image: only the digests tell them apart), is refused with exit 2 naming that file. All mutants
    go through one `lookm trace validate` (one JVM); a flipped kv.arrow is also refused by `lookm replay`."""
    name, out, model, processor, _ = recorded
    if name not in JAVA_CHECKED:
        pytest.skip(f"{name}: the Java app is run on {', '.join(JAVA_CHECKED)} only")
    build, prompt, media = CASES[name]
    twin_media = media() | {"images": [tm.image(*media()["images"][0].size[::-1], seed=7)]}
    twin = record_inputs(model, dict(processor(text=prompt, return_tensors="pt", **twin_media)), str(tmp_path / "twin"), window=None,
                         probes=PROBES, dtype="float32", model_name=f"tiny-{name}", decode=True)
    files = sorted(f for f in os.listdir(out) if f.endswith(".arrow") and f != "integrity.arrow")
    assert {"layout.arrow", "kv.arrow", "attention.arrow", "queries.arrow", "probes.arrow", "decode.arrow"} == set(files)
    refused, same = {}, []
    for f in files:
        flipped = tmp_path / f"flip-{f}"
        shutil.copytree(out, flipped)
        data = bytearray((flipped / f).read_bytes())
        data[len(data) // 2] ^= 0x10
        (flipped / f).write_bytes(bytes(data))
        refused[str(flipped)] = f
        swapped = tmp_path / f"swap-{f}"
        shutil.copytree(out, swapped)
        shutil.copyfile(os.path.join(twin, f), swapped / f)
        if (swapped / f).read_bytes() == open(os.path.join(out, f), "rb").read():
            same.append(str(swapped))        # byte for byte the same file (the twins' layouts agree): no damage
        else:
            refused[str(swapped)] = f
    assert len(refused) >= len(files) + len(files) - 1, f"the twin differs in too few files: {same}"
    done = subprocess.run(["bash", LAUNCHER, "trace", "validate", *refused, *same], capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("lookm trace validate: ")]
    assert len(errors) == len(refused), done.stderr
    for trace, f in refused.items():
        line = next(e for e in errors if f"{trace}/" in e)
        assert f"{trace}/{f}" in line, line
    for trace in same:
        assert f"{trace}: valid LOOK-M trace v2" in done.stdout
    replay = subprocess.run(["bash", LAUNCHER, "replay", f"--trace={tmp_path / 'flip-kv.arrow'}", "--policy=h2o", "--budget=0.5",
                             "--quiet", f"--out={tmp_path / 'refused'}"], capture_output=True, text=True)
    assert replay.returncode == 2 and "kv.arrow" in replay.stderr and "sha256" in replay.stderr, replay.stderr
    assert not (tmp_path / "refused").exists()


def test_command_line_records_a_saved_anyres_model(tmp_path):
    """record_trace.py's command line on a saved tiny LLaVA-NeXT (AutoProcessor, AutoModelForImageTextToText): the same
    layout as record_inputs on the processor's outputs. (Qwen2-VL and OneVision processors load a video processor,
    which needs torchvision: their command line is not run here.)"""
    import subprocess
    import sys
    model, processor = tm.llava_next()
    model.save_pretrained(tmp_path / "model")
    processor.save_pretrained(tmp_path / "model")
    tm.image(20, 36).save(tmp_path / "i.png")
    prompt = "USER: <image> what is this ? ASSISTANT:"
    done = subprocess.run([sys.executable, os.path.join(HERE, "record_trace.py"), "--model", str(tmp_path / "model"), "--image",
                           str(tmp_path / "i.png"), "--prompt", prompt, "--out", str(tmp_path / "cli"), "--window", "2",
                           "--probes", "1", "--dtype", "float32", "--device", "cpu"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    from PIL import Image
    inputs = dict(processor(text=prompt, images=[Image.open(tmp_path / "i.png").convert("RGB")], return_tensors="pt"))
    direct = record_inputs(model, inputs, str(tmp_path / "direct"), window=2, probes=1, dtype="float32")
    assert table(str(tmp_path / "cli"), "layout.arrow").equals(table(direct, "layout.arrow"))
    assert (table(str(tmp_path / "cli"), "layout.arrow").modality == "special").sum() > 0
