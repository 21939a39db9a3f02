"""Writes the pyarrow fixture of the Java reader tests: traces/src/test/resources/lookm/traces/fixtures/pyarrow-tiny-llava.

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


def main():
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
