"""Tests of record_trace.py on a tiny randomly initialised LLaVA-1.5 (no weights download), read back with pyarrow.

Every recorded part is checked against an independent computation: the accumulated attention against the causal
softmax of the stored queries and keys, the probe queries against the model's own decode attention, the values
against v_proj. Skips visibly when torch, transformers or pyarrow are missing; the test that has the Java app read
the recording skips visibly when the app is not built. Run: cd traces/python && python -m pytest -rs
"""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")   # everything is built locally: never wait on the Hugging Face Hub
torch = pytest.importorskip("torch", reason="torch is not installed: the recorder test needs it")
transformers = pytest.importorskip("transformers", reason="transformers is not installed: the recorder test needs it")
pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed: the recorder writes Arrow with it")

from record_trace import decoder_layers, record  # noqa: E402
from tiny_llava import HEAD_DIM, IMAGE, IMAGE_TOKEN, KV_HEADS, LAYERS, PATCHES, QUERY_HEADS, images, save, tiny_llava  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(HERE, "..", "..", "bench", "lookm")
APP_JAR = os.path.join(HERE, "..", "..", "bench", "target", "lookm.jar")
PROMPT_IDS = [1, 5, 6] + [IMAGE_TOKEN] * PATCHES + [7, 8, 9, 10]
PROBES = 3


def table(trace, name):
    return pa.ipc.open_file(os.path.join(trace, name)).read_all().to_pandas()


def vectors(frame, column, heads, head_column):
    """(heads, n, D) float64 from a tidy frame sorted by (head, position)."""
    frame = frame.sort_values([head_column, "position"])
    return np.stack(frame[column].to_numpy()).astype(np.float64).reshape(heads, -1, HEAD_DIM)


def pixels(seed=1):
    return torch.randn(1, 3, IMAGE, IMAGE, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A float32 trace with all prefill queries, and the model and inputs that made it."""
    model, ids, px = tiny_llava(), torch.tensor([PROMPT_IDS]), pixels()
    out = record(model, ids, px, str(tmp_path_factory.mktemp("rec") / "trace"), image_token_id=IMAGE_TOKEN,
                 tokens_per_image=PATCHES, window=None, probes=PROBES, dtype="float32", model_name="tiny-llava")
    return out, model, ids, px


def test_records_every_part_in_the_documented_layout(recorded):
    out, _, _, _ = recorded
    t = len(PROMPT_IDS)
    assert sorted(os.listdir(out)) == ["attention.arrow", "integrity.arrow", "kv.arrow", "layout.arrow", "probes.arrow", "queries.arrow"]
    kv = pa.ipc.open_file(os.path.join(out, "kv.arrow"))
    meta = kv.schema.metadata
    assert meta[b"lookm.trace.version"] == b"2"
    assert (meta[b"lookm.model.architecture"], meta[b"lookm.model.rope_axes"]) == (b"llava", b"1")
    assert (meta[b"lookm.model.layers"], meta[b"lookm.model.query_heads"], meta[b"lookm.model.kv_heads"]) == (b"2", b"4", b"2")
    assert (meta[b"lookm.trace.tokens"], meta[b"lookm.trace.prefill_queries"], meta[b"lookm.trace.probes"]) == (
        str(t).encode(), str(t).encode(), str(PROBES).encode())
    assert meta[b"lookm.trace.source"].startswith(b"record_trace.py, transformers " + transformers.__version__.encode())
    assert kv.num_record_batches == LAYERS * KV_HEADS
    assert kv.schema.field("key").type == pa.list_(pa.float32(), HEAD_DIM)
    layout = table(out, "layout.arrow")
    assert layout.token_id.tolist() == PROMPT_IDS
    assert layout.image_index.tolist() == [-1] * 3 + [0] * PATCHES + [-1] * 4
    assert (layout.modality == "image").tolist() == [i == IMAGE_TOKEN for i in PROMPT_IDS]
    assert layout.tile_index.tolist() == [-1] * 3 + [0] * PATCHES + [-1] * 4
    assert (layout.video_index == -1).all() and (layout.frame_index == -1).all()
    for axis in ("rope_t", "rope_h", "rope_w"):
        assert layout[axis].tolist() == list(range(t))   # LLaMA's 1-D RoPE: the cache positions
    attention = table(out, "attention.arrow")
    per_head = attention.groupby(["layer", "query_head"]).accumulated_attention.sum()
    np.testing.assert_allclose(per_head.to_numpy(), t, rtol=1e-5)   # every softmax row sums to 1
    assert sorted(set(table(out, "probes.arrow").position)) == list(range(t, t + PROBES))


def test_attention_is_the_causal_column_sum_of_the_stored_queries_and_keys(recorded):
    out, _, _, _ = recorded
    t, group = len(PROMPT_IDS), QUERY_HEADS // KV_HEADS
    kv, att, qs = table(out, "kv.arrow"), table(out, "attention.arrow"), table(out, "queries.arrow")
    causal = np.tril(np.ones((t, t), dtype=bool))
    for layer in range(LAYERS):
        keys = vectors(kv[kv.layer == layer], "key", KV_HEADS, "kv_head")
        queries = vectors(qs[qs.layer == layer], "query", QUERY_HEADS, "query_head")
        recorded_sums = att[att.layer == layer].sort_values(["query_head", "position"]).accumulated_attention
        recorded_sums = recorded_sums.to_numpy().reshape(QUERY_HEADS, t)
        for h in range(QUERY_HEADS):
            logits = np.where(causal, queries[h] @ keys[h // group].T / np.sqrt(HEAD_DIM), -np.inf)
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            np.testing.assert_allclose(recorded_sums[h], p.sum(axis=0), rtol=1e-4, atol=1e-5,
                                       err_msg=f"layer {layer}, head {h}")
        assert recorded_sums.max() > 2 * recorded_sums.min() + 1, "attention is not peaked: a weak check"


def test_probe_queries_and_values_match_an_independent_run(recorded):
    """Re-runs prefill and the greedy decode steps with the model's own attention output; the attention of decode
    step s over the T prefill positions, renormalised, must be the softmax of the stored probe query s against the
    stored keys. The values must be v_proj's outputs."""
    out, model, ids, px = recorded
    t, group = ids.shape[1], QUERY_HEADS // KV_HEADS
    kv, probes = table(out, "kv.arrow"), table(out, "probes.arrow")
    value_outputs = {}

    def keep_values(layer):
        def hook(_module, _inputs, output):
            value_outputs.setdefault(layer, output[0].detach().reshape(-1, KV_HEADS, HEAD_DIM).transpose(0, 1))
        return hook
    hooks = [layer.self_attn.v_proj.register_forward_hook(keep_values(i))
             for i, layer in enumerate(decoder_layers(model))]
    try:
        with torch.no_grad():
            step = model(input_ids=ids, pixel_values=px, use_cache=True, return_dict=True)
            runs = []
            for _ in range(PROBES):
                step = model(input_ids=step.logits[0, -1].argmax().view(1, 1), past_key_values=step.past_key_values,
                             use_cache=True, output_attentions=True, return_dict=True)
                runs.append(step.attentions)
    finally:
        for h in hooks:
            h.remove()
    for layer in range(LAYERS):
        keys = vectors(kv[kv.layer == layer], "key", KV_HEADS, "kv_head")
        np.testing.assert_allclose(vectors(kv[kv.layer == layer], "value", KV_HEADS, "kv_head"),
                                   value_outputs[layer].numpy(), rtol=1e-6, atol=1e-6, err_msg=f"values, layer {layer}")
        queries = vectors(probes[probes.layer == layer], "query", QUERY_HEADS, "query_head")
        for s in range(PROBES):
            model_row = runs[s][layer][0, :, 0, :t].double().numpy()
            for h in range(QUERY_HEADS):
                logits = queries[h, s] @ keys[h // group].T / np.sqrt(HEAD_DIM)
                mine = np.exp(logits - logits.max())
                np.testing.assert_allclose(mine / mine.sum(), model_row[h] / model_row[h].sum(), rtol=1e-4, atol=1e-6,
                                           err_msg=f"layer {layer}, probe {s}, head {h}")


def test_a_window_keeps_the_last_prefill_queries_of_a_long_prompt(tmp_path):
    """A prompt longer than the RoPE check's rows (64) and a window shorter than the prompt: the window holds exactly
    the last W queries of an all-queries recording, and the RoPE check passes on the last keys."""
    ids = torch.tensor([[1] + [5, 6, 7, 8] * 10 + [IMAGE_TOKEN] * PATCHES + [9, 10, 11] * 12])
    t, w = ids.shape[1], 4
    assert t > 64
    runs = {}
    for name, window in (("all", None), ("window", w)):
        runs[name] = table(record(tiny_llava(), ids, pixels(), str(tmp_path / name), image_token_id=IMAGE_TOKEN,
                                  tokens_per_image=PATCHES, window=window, probes=1, dtype="float32"), "queries.arrow")
    last = runs["all"][runs["all"].position >= t - w].reset_index(drop=True)
    assert sorted(set(runs["window"].position)) == list(range(t - w, t))
    np.testing.assert_array_equal(np.stack(runs["window"]["query"]), np.stack(last["query"]))


def test_rope_base_comes_from_the_config(tmp_path):
    out = record(tiny_llava({"rope_type": "default", "rope_theta": 500000.0}), torch.tensor([PROMPT_IDS]), pixels(),
                 str(tmp_path / "t"), image_token_id=IMAGE_TOKEN, tokens_per_image=PATCHES, window=2, probes=1)
    meta = pa.ipc.open_file(os.path.join(out, "queries.arrow")).schema.metadata
    assert float(meta[b"lookm.model.rope_base"]) == 500000.0


def test_records_any_rope_type_and_attention_implementation(tmp_path):
    """Queries are captured after the model's own RoPE, so a scaled RoPE needs no support of its own: the stored queries
    and keys reproduce the recorded attention. An SDPA model records the same trace as an eager one (up to rounding)
    and gets its implementation back."""
    ids = torch.tensor([PROMPT_IDS])
    t, args = ids.shape[1], dict(image_token_id=IMAGE_TOKEN, tokens_per_image=PATCHES, window=None, probes=1, dtype="float32")
    linear = record(tiny_llava({"rope_type": "linear", "rope_theta": 10000.0, "factor": 2.0}), ids, pixels(), str(tmp_path / "linear"), **args)
    kv, att, qs = table(linear, "kv.arrow"), table(linear, "attention.arrow"), table(linear, "queries.arrow")
    keys = vectors(kv[kv.layer == 1], "key", KV_HEADS, "kv_head")
    queries = vectors(qs[qs.layer == 1], "query", QUERY_HEADS, "query_head")
    logits = np.where(np.tril(np.ones((t, t), dtype=bool)), queries[0] @ keys[0].T / np.sqrt(HEAD_DIM), -np.inf)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    recorded_sums = att[(att.layer == 1) & (att.query_head == 0)].sort_values("position").accumulated_attention
    np.testing.assert_allclose(recorded_sums, (p / p.sum(axis=1, keepdims=True)).sum(axis=0), rtol=1e-4, atol=1e-5)
    sdpa = tiny_llava()
    sdpa.set_attn_implementation("sdpa")
    eager = table(record(tiny_llava(), ids, pixels(), str(tmp_path / "eager"), **args), "attention.arrow")
    np.testing.assert_allclose(table(record(sdpa, ids, pixels(), str(tmp_path / "sdpa"), **args), "attention.arrow").accumulated_attention,
                               eager.accumulated_attention, rtol=1e-4, atol=1e-5)
    assert sdpa.config._attn_implementation == "sdpa"


def test_refuses_what_it_cannot_record_faithfully(tmp_path):
    ids, args = torch.tensor([PROMPT_IDS]), dict(image_token_id=IMAGE_TOKEN, tokens_per_image=PATCHES, window=2, probes=1)
    with pytest.raises(ValueError, match=r"window must be in \[0, 23\]"):
        record(tiny_llava(), ids, pixels(), str(tmp_path / "c"), **(args | {"window": 24}))
    with pytest.raises(ValueError, match="one prompt per trace: input_ids has batch size 2"):
        record(tiny_llava(), ids.repeat(2, 1), pixels().repeat(2, 1, 1, 1), str(tmp_path / "d"), **args)
    with pytest.raises(ValueError, match="tokens_per_image = 3, but the prompt has 16 image tokens per image"):
        record(tiny_llava(), ids, pixels(), str(tmp_path / "e"), **(args | {"tokens_per_image": 3}))
    assert sorted(os.listdir(tmp_path)) == [], "a refused recording left files behind"


def test_never_overwrites_an_existing_trace(tmp_path):
    target = tmp_path / "t"
    target.mkdir()
    (target / "mine.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        record(tiny_llava(), torch.tensor([PROMPT_IDS]), pixels(), str(target), image_token_id=IMAGE_TOKEN,
               tokens_per_image=PATCHES, window=2, probes=1)
    assert os.listdir(target) == ["mine.txt"] and (target / "mine.txt").read_text() == "keep"


@pytest.fixture(scope="module")
def cli_trace(tmp_path_factory):
    """The command line on a saved tiny model + processor: two images, all prefill queries, float16."""
    root = tmp_path_factory.mktemp("cli")
    save(root / "model")
    for name, image in zip(("a.png", "b.png"), images(2)):
        image.save(root / name)
    out = root / "trace"
    cmd = [sys.executable, os.path.join(HERE, "record_trace.py"), "--model", str(root / "model"), "--image", str(root / "a.png"),
           "--image", str(root / "b.png"), "--prompt", "USER: <image> what is this and <image> ? ASSISTANT:",
           "--out", str(out), "--window", "all", "--probes", "2", "--device", "cpu",
           "--model-name", "tiny-random-llava"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def test_command_line_takes_image_positions_from_the_processor(cli_trace):
    layout = table(str(cli_trace), "layout.arrow")
    assert layout.image_index.tolist() == [-1] + [0] * PATCHES + [-1] * 4 + [1] * PATCHES + [-1] * 2
    assert layout.token_id.tolist() == [3] + [IMAGE_TOKEN] * PATCHES + [5, 6, 7, 8] + [IMAGE_TOKEN] * PATCHES + [9, 4]
    kv = pa.ipc.open_file(os.path.join(cli_trace, "kv.arrow"))
    assert kv.schema.field("key").type == pa.list_(pa.float16(), HEAD_DIM)
    assert kv.schema.metadata[b"lookm.trace.prefill_queries"] == str(len(layout)).encode()
    assert kv.schema.metadata[b"lookm.model.tokens_per_image"] == str(PATCHES).encode()
    assert kv.schema.metadata[b"lookm.model.name"] == b"tiny-random-llava"


def test_command_line_refuses_bad_requests_before_loading_anything(cli_trace, tmp_path):
    def refused(*args):
        done = subprocess.run([sys.executable, os.path.join(HERE, "record_trace.py"), "--model", "not/loaded", *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        return done.stderr
    image = tmp_path / "i.png"
    image.write_bytes(b"")
    before = sorted(os.listdir(cli_trace))
    assert "refusing to overwrite" in refused("--image", str(image), "--prompt", "<image>", "--out", str(cli_trace))
    assert sorted(os.listdir(cli_trace)) == before
    assert "--image nope.png: no such file" in refused("--image", "nope.png", "--prompt", "<image>", "--out", str(tmp_path / "o"))
    assert "1 <image> placeholder(s) for 2 --image" in refused("--image", str(image), "--image", str(image), "--prompt",
                                                               "<image>", "--out", str(tmp_path / "o"))
    assert "argument --window: must be >= 0 or 'all'" in refused("--image", str(image), "--prompt", "<image>", "--out", str(tmp_path / "o"), "--window", "-1")
    assert "argument --probes: must be >= 0" in refused("--image", str(image), "--prompt", "<image>", "--out", str(tmp_path / "o"),
                                                        "--probes", "-2")
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(not os.path.isfile(APP_JAR), reason=f"the lookm app is not built ({APP_JAR}); build it with "
                    "`mvn -q -pl bench -am package -DskipTests` to check that Java reads the recording")
@pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("JAVA_HOME"), reason="no java to run the lookm app")
def test_the_java_app_reads_and_replays_the_recording(cli_trace, tmp_path):
    def lookm(*args):
        done = subprocess.run(["bash", LAUNCHER, *args], capture_output=True, text=True)
        assert done.returncode == 0, f"lookm {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout
    assert "valid LOOK-M trace v2, 2 layers checked" in lookm("trace", "validate", str(cli_trace))
    assert "[text 1, image#0 16, text 4, image#1 16, text 2]" in lookm("trace", "inspect", str(cli_trace))
    for scores in ("recorded", "recomputed"):
        lookm("replay", f"--trace={cli_trace}", "--policy=lookm", f"--scores={scores}", "--budget=0.5", "--quiet",
              f"--out={tmp_path / scores}")
        assert (tmp_path / scores).is_dir()
