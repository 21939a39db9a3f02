"""Closed-loop evaluation end to end (lookm_traces.evaluate): tiny random LLaVA-1.5 and Qwen2-VL models (no download) are
recorded, replayed through the real `bench/lookm replay --export-decisions`, and their decisions evaluated through the
model. `full` must give KL exactly 0 and the same tokens; `h2o` at 10 % a non-zero KL; decisions of another trace and a
prompt that is not the trace's are refused. Skips, saying why, where Java or the jar is missing."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch = pytest.importorskip("torch", reason="torch is not installed: the evaluator needs it")
pytest.importorskip("transformers", reason="transformers is not installed: the evaluator needs it")

import tiny_llava  # noqa: E402
import tiny_models as tm  # noqa: E402
from lookm_traces import evaluate as ev  # noqa: E402
from record_trace import record_inputs  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOOKM = ROOT / "bench" / "lookm"
JAR = ROOT / "bench" / "target" / "lookm.jar"
STEPS = 4
LLAVA_PROMPT = "USER: <image> what is this and <image> ? ASSISTANT:"
QWEN_PROMPT = "USER: <|vision_start|> <|image_pad|> <|vision_end|> what is this ? ASSISTANT:"

needs_app = pytest.mark.skipif(shutil.which("java") is None or not JAR.is_file(),
                               reason=f"the decisions come from bench/lookm replay: needs java and {JAR} (mvn -pl bench -am package)")


def llava(seed=0):
    model, processor = tiny_llava.tiny_llava(), tiny_llava.tiny_processor()
    return model, processor, dict(processor(text=LLAVA_PROMPT, images=tiny_llava.images(2, size=(30 + seed, 40)), return_tensors="pt"))


def qwen2_vl(seed=0):
    model, processor = tm.qwen2_vl("qwen2-vl")
    return model, processor, dict(processor(text=QWEN_PROMPT, images=[tm.image(64, 96, seed=seed)], return_tensors="pt"))


MODELS = {"llava": llava, "qwen2-vl": qwen2_vl}


def replay(trace, policy, out, *budget):
    """Runs bench/lookm replay with --export-decisions; (decisions directory, replay.json)."""
    if (out / "decisions").is_dir():                                        # already replayed in this module
        return out / "decisions", json.loads((out / "replay" / "replay.json").read_text())
    done = subprocess.run([str(LOOKM), "replay", "--trace", str(trace), "--policy", policy, *budget, "--quiet",
                           "--out", str(out / "replay"), "--export-decisions", str(out / "decisions")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out / "decisions", json.loads((out / "replay" / "replay.json").read_text())


_RECORDED = {}


def recording(name, tmp_path_factory):
    """(name, trace, model, processor, inputs, root) of one tiny model's recording, made once per module."""
    if name not in _RECORDED:
        model, processor, inputs = MODELS[name]()
        root = tmp_path_factory.mktemp(name)
        trace = record_inputs(model, inputs, str(root / "trace"), window=8, probes=2, dtype="float32", model_name=f"tiny-{name}")
        _RECORDED[name] = name, Path(trace), model, processor, inputs, root
    return _RECORDED[name]


@pytest.fixture(scope="module", params=list(MODELS))
def recorded(request, tmp_path_factory):
    return recording(request.param, tmp_path_factory)


@needs_app
def test_full_gives_kl_exactly_zero_and_the_same_tokens(recorded):
    name, trace, model, processor, inputs, root = recorded
    decisions, _ = replay(trace, "full", root / "full")
    report = ev.evaluate(model, inputs, str(trace), str(decisions), STEPS, processor.tokenizer)
    assert report["kl"] == [0.0] * STEPS and report["top1Agreement"] == 1.0
    assert report["firstDifferingStep"] is None and report["compressedTokens"] == report["fullTokens"]
    assert len(report["fullTokens"]) == STEPS + 1 and report["teacherForced"]


@needs_app
def test_h2o_at_ten_percent_changes_the_next_token_distribution(recorded):
    name, trace, model, processor, inputs, root = recorded
    decisions, replayed = replay(trace, "h2o", root / "h2o", "--budget", "0.1")
    manifest = json.loads((decisions / "decisions.json").read_text())
    assert manifest["policy"]["name"] == "h2o" and not manifest["policy"]["merges"]
    assert all(k < manifest["trace"]["tokens"] for layer in manifest["layers"] for k in layer["keptPerHead"])
    report = ev.evaluate(model, inputs, str(trace), str(decisions), STEPS, processor.tokenizer)
    assert report["klMax"] > 0 and all(k >= 0 for k in report["kl"])
    assert report["layersCompressed"] == report["layers"] == 2
    text = ev.table(report)
    assert "teacher-forced" in text and report["fullText"] in text


@needs_app
def test_a_merging_policy_writes_its_merged_keys_and_values_into_the_cache(recorded):
    name, trace, model, processor, inputs, root = recorded
    decisions, _ = replay(trace, "lookm", root / "lookm", "--budget", "0.2")
    loaded = ev.load_decisions(str(decisions), str(trace))
    with torch.no_grad():
        cache = model(**{k: v for k, v in inputs.items() if k != "attention_mask"}, use_cache=True).past_key_values
    before = [t.clone() for t in (cache.layers[0].keys, cache.layers[0].values)]
    ev.write_merged(cache, loaded)
    positions, keys, values = loaded.layers[0].merged[0]
    assert len(positions) > 0, "lookm at 20 % merges evicted image tokens into kept ones"
    assert np.allclose(cache.layers[0].keys[0, 0, positions].numpy(), keys) and np.allclose(cache.layers[0].values[0, 0, positions].numpy(), values)
    untouched = np.setdiff1d(np.arange(before[0].shape[2]), positions)
    assert torch.equal(cache.layers[0].keys[0, 0, untouched], before[0][0, 0, untouched])
    report = ev.evaluate(model, inputs, str(trace), str(decisions), STEPS)
    assert report["policy"]["merges"] and report["klMax"] > 0


@needs_app
def test_decisions_of_another_trace_and_a_prompt_that_is_not_the_traces_are_refused(recorded, tmp_path):
    name, trace, model, processor, inputs, root = recorded
    decisions, _ = replay(trace, "full", root / "full")
    _, _, other_inputs = MODELS[name](seed=1)                                # another image: same token ids, other keys
    other = record_inputs(model, other_inputs, str(tmp_path / "other"), window=8, probes=2, dtype="float32")
    with pytest.raises(ev.EvaluationError, match="the decisions were made on another trace: [a-z]+.arrow of"):
        ev.evaluate(model, other_inputs, other, str(decisions), STEPS)
    with pytest.raises(ev.EvaluationError, match="the model's prefill does not reproduce the trace: layer 0, KV head 0, keys differ"):
        ev.evaluate(model, other_inputs, str(trace), str(decisions), STEPS)    # this trace's decisions, the other prompt


@needs_app
def test_the_command_line_evaluates_a_saved_model_and_refuses_with_exit_2(tmp_path, tmp_path_factory, capsys):
    _, trace, _, _, _, root = recording("llava", tmp_path_factory)
    tiny_llava.save(tmp_path / "model")                                    # the same weights, processor and images, saved
    for i, image in enumerate(tiny_llava.images(2)):
        image.save(tmp_path / f"{i}.png")
    base = ["--model", str(tmp_path / "model"), "--image", str(tmp_path / "0.png"), "--image", str(tmp_path / "1.png"),
            "--prompt", LLAVA_PROMPT, "--dtype", "float32"]
    decisions, _ = replay(trace, "h2o", root / "h2o", "--budget", "0.1")
    args = [*base, "--trace", str(trace), "--decisions", str(decisions), "--steps", "4", "--out", str(tmp_path / "report.json")]
    done = subprocess.run([sys.executable, "-m", "lookm_traces.evaluate", *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "KL(full||compressed)" in done.stdout and "full:" in done.stdout and "compressed:" in done.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["policy"]["name"] == "h2o" and len(report["kl"]) == 4
    for bad, reason in ((args, "report.json: already exists"),
                        ([*args[:-2], "--trace", str(root / "h2o" / "replay")], "has no attention.arrow, which the decisions' trace"),
                        ([*args[:-2], "--decisions", str(root / "h2o" / "replay")], "no decisions.json")):
        with pytest.raises(SystemExit) as exit:
            ev.main(bad)
        assert exit.value.code == 2
        assert reason in capsys.readouterr().err


def test_masking_evicted_positions_equals_removing_them_from_the_cache(tmp_path_factory):
    """The mask is the eviction: LLaVA (1-D RoPE) with every KV head keeping the same positions S, the first compressed
    decode step's distribution equals the model run on a cache that holds only S (gathered; the new token at position T)."""
    from transformers import DynamicCache
    _, trace, model, _, inputs, _ = recording("llava", tmp_path_factory)
    t = inputs["input_ids"].shape[1]
    kept = np.sort(np.random.default_rng(0).choice(t, size=t // 3, replace=False))
    keep = np.zeros((tiny_llava.KV_HEADS, t), dtype=bool)
    keep[:, kept] = True
    manifest = {"policy": {"name": "same-set", "merges": False}, "budget": {"describe": "t/3"},
                "trace": {"model": "tiny-llava", "layers": tiny_llava.LAYERS, "queryHeads": tiny_llava.QUERY_HEADS,
                          "kvHeads": tiny_llava.KV_HEADS, "tokens": t}}
    layers = {layer: ev.LayerDecision(keep, [(np.zeros(0, np.int64), None, None)] * tiny_llava.KV_HEADS) for layer in range(tiny_llava.LAYERS)}
    report = ev.evaluate(model, inputs, str(trace), ev.Decisions("same-set", manifest, layers), 1)
    with torch.no_grad():
        prefill = model(**{k: v for k, v in inputs.items() if k != "attention_mask"}, use_cache=True)
        token = torch.tensor([[report["fullTokens"][0]]])
        full = model(input_ids=token, past_key_values=prefill.past_key_values, use_cache=True).logits[0, -1].double()
        again = model(**{k: v for k, v in inputs.items() if k != "attention_mask"}, use_cache=True).past_key_values
        gathered = DynamicCache()
        index = torch.from_numpy(kept)
        for layer in range(tiny_llava.LAYERS):
            gathered.update(again.layers[layer].keys[:, :, index], again.layers[layer].values[:, :, index], layer)
        removed = model(input_ids=token, past_key_values=gathered, position_ids=torch.tensor([[t]]),
                        cache_position=torch.tensor([len(kept)]), use_cache=True).logits[0, -1].double()
    assert report["kl"][0] > 0
    assert abs(report["kl"][0] - ev.kl_divergence(full, removed)) < 1e-6


def test_a_float16_trace_of_a_float32_model_passes_the_prefill_check_at_float16_tolerance(tmp_path, tmp_path_factory):
    from record_trace import decoder_layers
    _, _, model, _, inputs, _ = recording("llava", tmp_path_factory)
    trace16 = record_inputs(model, inputs, str(tmp_path / "t16"), window=8, probes=2, dtype="float16")
    forward = {k: v for k, v in inputs.items() if k != "attention_mask"}
    with torch.no_grad():
        cache = model(**forward, use_cache=True).past_key_values
    ev.check_reproduces_trace(trace16, inputs["input_ids"], cache, len(decoder_layers(model)))    # accepted
    cache.layers[1].values[0, 1, 3] += 0.05 * cache.layers[1].values.abs().max()                 # far above float16 rounding
    with pytest.raises(ev.EvaluationError, match="layer 1, KV head 1, values differ"):
        ev.check_reproduces_trace(trace16, inputs["input_ids"], cache, len(decoder_layers(model)))
