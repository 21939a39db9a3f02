"""lookm conform --python end to end: runs bench/lookm (the jar that `mvn verify` built) on the shipped PyTorch variants
and on misbehaving workers. Skips, saying why, where Java or the jar is missing."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lookm_traces

ROOT = Path(__file__).resolve().parents[2]
LOOKM = ROOT / "bench" / "lookm"
JAR = ROOT / "bench" / "target" / "lookm.jar"
EXAMPLES = "40"

needs_app = pytest.mark.skipif(shutil.which("java") is None or not JAR.is_file(),
                               reason=f"lookm conform needs java and {JAR} (built by `mvn verify` or `mvn -pl bench -am package`)")


def conform(*args, cwd):
    command = [str(LOOKM), "conform", "--python-exe", sys.executable, "--examples", EXAMPLES, *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_package_version_is_the_java_version():
    pom = (ROOT / "pom.xml").read_text()
    maven = re.search(r"<artifactId>lookm-parent</artifactId>\s*<version>([^<]+)</version>", pom).group(1)
    assert lookm_traces.__version__ == maven.replace("-SNAPSHOT", ".dev0")


@needs_app
def test_pytorch_h2o_passes_and_matches_the_registered_h2o(tmp_path):
    r = conform("--python", "lookm_traces.variants:h2o", "--matches", "h2o", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"passed {EXAMPLES} generated case(s)" in r.stdout
    assert list(tmp_path.iterdir()) == []                      # no temp-file litter


@needs_app
def test_pytorch_lookm_text_prior_and_pivot_merge_matches_the_registered_lookm(tmp_path):
    r = conform("--python", "lookm_traces.variants:lookm", "--matches", "lookm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "kept sets and K/V equal to lookm" in r.stdout


@needs_app
def test_broken_h2o_fails_with_a_shrunk_counterexample_that_replays(tmp_path):
    r = conform("--python", "lookm_traces.variants:broken_h2o", "--matches", "h2o", cwd=tmp_path)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "FAILED: matches h2o: VIOLATED" in r.stderr
    assert "CacheCase (H=1, T=" in r.stderr                    # shrunk to one head
    case = Path(re.search(r"Counterexample \(NumPy files\): (\S+)", r.stderr).group(1))
    np = pytest.importorskip("numpy")
    assert np.load(case / "keys.npy").shape[0] == 1 and np.load(case / "budget.npy").shape == (2,)
    replay = re.search(r"Replay: bench/lookm (.+)", r.stderr).group(1).split()
    replay = [a.strip("'") for a in replay]
    again = subprocess.run([str(LOOKM), *replay], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 3 and "matches h2o: VIOLATED" in again.stderr, again.stdout + again.stderr
    fixed = [a if a != "lookm_traces.variants:broken_h2o" else "lookm_traces.variants:h2o" for a in replay]
    assert subprocess.run([str(LOOKM), *fixed], cwd=tmp_path, capture_output=True, text=True, timeout=600).returncode == 0


@needs_app
@pytest.mark.parametrize("variant, reason", [
    ("crash", "crashed: "),
    ("hang", "hung: it took more than 3.0 s to answer (--timeout)"),
    ("float_positions", "answered outside the protocol: column 'kept' must be a list of int32"),
    ("missing_head", "answered outside the protocol: the answer has"),
])
def test_a_misbehaving_worker_is_exit_2_with_the_reason_and_the_case(tmp_path, variant, reason):
    here = str(Path(__file__).parent)
    r = conform("--python", f"conform_fixtures:{variant}", "--python-path", here, "--timeout", "3", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert reason in r.stderr
    assert "on the case:" in r.stderr and "CacheCase (H=" in r.stderr


@needs_app
def test_a_variant_that_raises_is_a_shrunk_contract_failure(tmp_path):
    here = str(Path(__file__).parent)
    r = conform("--python", "conform_fixtures:raises", "--python-path", here, cwd=tmp_path)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "variantRuns: VIOLATED: the variant raised: ValueError: image tokens are not supported" in r.stderr
