"""Writes the pyarrow fixtures of the Java reader tests under traces/src/test/resources/lookm/traces/fixtures/:
pyarrow-tiny-qwen2-vl (version 2, `--qwen2-vl`: the tiny random Qwen2-VL of tiny_models.py, one image and one video, all
prefill queries, 2 probes, float16) and pyarrow-tiny-llava (below; the committed one is version 1, see FORMAT.md).

It is a real recording, through record_trace.py's command line, of the tiny random LLaVA in tiny_llava.py (saved to a
temporary directory, then loaded with from_pretrained like any model): two images, float16 model and cache, all T
prefill queries (so a reader can recompute the accumulated attention) and 4 decode probes. Needs torch, transformers
and pyarrow (traces/python/requirements.txt). Run from the repository root:
    python traces/python/make_pyarrow_fixture.py [--overwrite]
"""
import os
import sys
import tempfile

import record_trace
import tiny_llava

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "src", "test", "resources", "lookm", "traces", "fixtures", "pyarrow-tiny-llava")
PROMPT = "USER: <image> what is this and <image> ? ASSISTANT:"
PROBES = 4


QWEN_FIXTURE = os.path.join(HERE, "..", "src", "test", "resources", "lookm", "traces", "fixtures", "pyarrow-tiny-qwen2-vl")
QWEN_PROMPT = ("USER: <|vision_start|> <|image_pad|> <|vision_end|> what is this and <|vision_start|> <|video_pad|> "
               "<|vision_end|> ? ASSISTANT:")


def qwen2_vl(overwrite):
    import torch
    import tiny_models
    model, processor = tiny_models.qwen2_vl()
    model = model.to(torch.float16)
    inputs = dict(processor(text=QWEN_PROMPT, images=[tiny_models.image(40, 56)], videos=[tiny_models.video(4, 32, 32)],
                            return_tensors="pt"))
    inputs = {k: (v.to(torch.float16) if k.startswith("pixel_values") else v) for k, v in inputs.items()}
    record_trace.record_inputs(model, inputs, os.path.normpath(QWEN_FIXTURE), window=None, probes=2, dtype="float16",
                               model_name="tiny-random-qwen2-vl (traces/python/tiny_models.py)", overwrite=overwrite)


def main():
    if "--qwen2-vl" in sys.argv:
        qwen2_vl("--overwrite" in sys.argv)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tiny_llava.save(os.path.join(tmp, "model"))
        paths = []
        for i, image in enumerate(tiny_llava.images(2)):
            paths += ["--image", os.path.join(tmp, f"{i}.png")]
            image.save(paths[-1])
        record_trace.main(["--model", os.path.join(tmp, "model"), "--model-name", "tiny-random-llava (traces/python/tiny_llava.py)",
                           *paths, "--prompt", PROMPT, "--out", os.path.normpath(FIXTURE), "--window", "all",
                           "--probes", str(PROBES), "--dtype", "float16", "--device", "cpu", *sys.argv[1:]])


if __name__ == "__main__":
    main()
