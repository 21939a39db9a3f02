"""By hand (not in CI): the proxy metric (attention-output error on the decode probes, from `lookm replay`) beside the
closed-loop outcome (lookm_traces.evaluate: KL, top-1 agreement, first differing greedy token) on the tiny random
LLaVA-1.5 and Qwen2-VL models, for a few policies and budgets; prints a Markdown table and the rank correlation of the
two. Usage: python closed_loop_table.py OUT_DIR [--steps 16]   (OUT_DIR must not exist; needs bench/target/lookm.jar)
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import tiny_llava
import tiny_models as tm
from lookm_traces import evaluate as ev
from record_trace import record_inputs

LOOKM = Path(__file__).resolve().parents[2] / "bench" / "lookm"
POLICIES = ("h2o", "tp-drop", "lookm", "streaming-llm", "random")
BUDGETS = ("0.1", "0.2", "0.4")
LLAVA_PROMPT = "USER: <image> what is this and <image> ? ASSISTANT:"
QWEN_PROMPT = "USER: <|vision_start|> <|image_pad|> <|vision_end|> what is this and <|vision_start|> <|image_pad|> <|vision_end|> ? ASSISTANT:"


def models():
    model, processor = tiny_llava.tiny_llava(), tiny_llava.tiny_processor()
    yield "llava", model, processor, dict(processor(text=LLAVA_PROMPT, images=tiny_llava.images(2), return_tensors="pt"))
    model, processor = tm.qwen2_vl("qwen2-vl")
    images = [tm.image(64, 96, seed=0), tm.image(48, 64, seed=1)]
    yield "qwen2-vl", model, processor, dict(processor(text=QWEN_PROMPT, images=images, return_tensors="pt"))


def spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=16)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True)
    rows = []
    for name, model, processor, inputs in models():
        trace = record_inputs(model, inputs, str(out / name / "trace"), window=8, probes=4, dtype="float32")
        t = inputs["input_ids"].shape[1]
        for policy in POLICIES:
            for budget in BUDGETS:
                cell = out / name / f"{policy}-{budget}"
                subprocess.run([str(LOOKM), "replay", "--trace", trace, "--policy", policy, "--budget", budget, "--quiet",
                                "--out", str(cell / "replay"), "--export-decisions", str(cell / "decisions")],
                               check=True, capture_output=True)
                proxy = json.loads((cell / "replay" / "replay.json").read_text())["summary"]["overall"]
                r = ev.evaluate(model, inputs, trace, str(cell / "decisions"), args.steps)
                rows.append((name, t, policy, budget, proxy["relativeError"], proxy["recall"], r["klMean"], r["klMax"],
                             r["top1Agreement"], r["firstDifferingStep"]))
    print("| model (T) | policy | budget | attention-output rel. error | attention recall | mean KL | max KL | top-1 agreement | first differing token |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, t, policy, budget, err, recall, kl, klmax, agree, differ in rows:
        print(f"| {name} ({t}) | {policy} | {budget} | {err:.3f} | {recall:.3f} | {kl:.4f} | {klmax:.4f} | {agree:.2f} | "
              f"{'none' if differ is None else differ} |")
    errors, kls = [r[4] for r in rows], [r[6] for r in rows]
    flips = [1.0 - r[8] for r in rows]
    print(f"\nSpearman rank correlation over the {len(rows)} cells: relative error vs mean KL {spearman(errors, kls):.2f}, "
          f"relative error vs top-1 disagreement {spearman(errors, flips):.2f}")


if __name__ == "__main__":
    sys.exit(main())
