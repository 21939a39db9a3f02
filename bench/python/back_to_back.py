"""Times `lookm bench` (OpenCL, validated against the reference first) and the PyTorch baselines of
torch_policy_baselines.py back to back on the same CPU, in the order A B B A per round, and prints per policy the
median and minimum whole-compression times, the PyTorch / OpenCL ratio of each pair's medians (issue 15's target:
>= 2), and the 1-minute load average before each run (on a shared machine a ratio means little once the load exceeds
the core count; the minima are the least disturbed repetitions). By hand:

  python bench/python/back_to_back.py [--shape 32,4096,128] [--policies snapkv-32,h2o,lookm] [--rounds 1] [--repetitions 3]

`lookm bench` is run as bench/lookm (or $LOOKM_JAR, with $JAVA_OPTS); its scores are recomputed from Q and K, as the
baselines do.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LOOKM = os.path.join(HERE, "..", "lookm")


def opencl_seconds(policy, shape, repetitions, out_root):
    out = tempfile.mkdtemp(prefix="lookm-b2b-", dir=out_root)
    subprocess.run([LOOKM, "bench", "--shape", shape, "--policy", policy, "--scores", "recomputed", "--warmup", "1",
                    "--repetitions", str(repetitions), "--skip-reference-timing", "--out", os.path.join(out, "b"), "--overwrite"],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "b", "bench.json")) as f:
        report = json.load(f)
    timed = [r for r in report["results"] if r.get("valid") and "times" in r]
    if not timed:
        raise SystemExit(f"lookm bench timed no valid OpenCL backend for {policy}: {report['results']}")
    total = timed[0]["times"]["total"]
    return total["medianMs"] / 1e3, timed[0]["backend"], total["minMs"] / 1e3


def torch_seconds(policy, shape, repetitions):
    done = subprocess.run([sys.executable, os.path.join(HERE, "torch_policy_baselines.py"), "--shape", shape, "--policies", policy,
                           "--repetitions", str(repetitions)], check=True, capture_output=True, text=True)
    timed = json.loads(done.stdout.strip().splitlines()[-1])["policies"][policy]
    return timed["median_seconds"], min(timed["seconds"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", default="32,4096,128")
    parser.add_argument("--policies", default="snapkv-32,h2o,lookm")
    parser.add_argument("--rounds", type=int, default=1, help="A B B A rounds per policy")
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    out_root = tempfile.mkdtemp(prefix="lookm-b2b-")     # the runs' bench outputs; removed at the end (only this script wrote them)
    try:
        run_all(args, out_root)
    finally:
        shutil.rmtree(out_root, ignore_errors=True)


def run_all(args, out_root):
    rows = []
    for policy in args.policies.split(","):
        ours, theirs, device, loads, ours_min, theirs_min = [], [], "", [], [], []
        for _ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            a, device, a_min = opencl_seconds(policy, args.shape, args.repetitions, out_root)
            loads.append(os.getloadavg()[0])
            b1, b1_min = torch_seconds(policy, args.shape, args.repetitions)
            loads.append(os.getloadavg()[0])
            b2, b2_min = torch_seconds(policy, args.shape, args.repetitions)
            loads.append(os.getloadavg()[0])
            a2, _, a2_min = opencl_seconds(policy, args.shape, args.repetitions, out_root)
            ours += [a, a2]
            theirs += [b1, b2]
            ours_min += [a_min, a2_min]
            theirs_min += [b1_min, b2_min]
        ratios = [t / o for t, o in zip(theirs, ours)]
        rows.append({"policy": policy, "opencl": device, "opencl_seconds": ours, "torch_seconds": theirs,
                     "torch_over_opencl": ratios, "median_ratio": statistics.median(ratios),
                     "opencl_min_seconds": ours_min, "torch_min_seconds": theirs_min, "load_before_runs": loads})
        print(f"{policy:10s} OpenCL {', '.join(f'{x:.3f}' for x in ours)} s | PyTorch {', '.join(f'{x:.3f}' for x in theirs)} s"
              f" | PyTorch/OpenCL {', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}, target >= 2)"
              f" | minima OpenCL {', '.join(f'{x:.3f}' for x in ours_min)} s, PyTorch {', '.join(f'{x:.3f}' for x in theirs_min)} s"
              f" | load {', '.join(f'{x:.1f}' for x in loads)}", flush=True)
    print(json.dumps({"shape": args.shape, "results": rows}))


if __name__ == "__main__":
    main()
