"""Tests of lookm_scores: what it writes reads back unchanged (NumPy, pyarrow), and bad scores are refused by index."""
import numpy as np
import pytest

import lookm_scores

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed: save_arrow needs it")
import pyarrow.ipc as ipc  # noqa: E402


def test_npy_and_arrow_hold_the_same_scores(tmp_path):
    s = np.random.default_rng(0).random((2, 3, 7)).astype(np.float32)
    lookm_scores.save_npy(tmp_path / "s.npy", s)
    lookm_scores.save_arrow(tmp_path / "s.arrow", s)
    assert np.array_equal(np.load(tmp_path / "s.npy"), s)
    table = ipc.open_file(str(tmp_path / "s.arrow")).read_all()
    assert table.schema.names == ["layer", "head", "position", "score"]
    assert str(table.schema.field("layer").type) == "int32" and str(table.schema.field("score").type) == "float"
    back = np.zeros_like(s)
    back[table["layer"].to_numpy(), table["head"].to_numpy(), table["position"].to_numpy()] = table["score"].to_numpy()
    assert np.array_equal(back, s) and table.num_rows == s.size


def test_one_layer_is_accepted_as_h_by_t(tmp_path):
    lookm_scores.save_npy(tmp_path / "one.npy", np.ones((2, 4)))
    assert np.load(tmp_path / "one.npy").shape == (1, 2, 4)


def test_bad_scores_are_refused_naming_where(tmp_path):
    s = np.zeros((2, 3, 4))
    s[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="layer 1, head 2, position 3"):
        lookm_scores.save_arrow(tmp_path / "x.arrow", s)
    with pytest.raises(ValueError, match="shape"):
        lookm_scores.save_npy(tmp_path / "x.npy", np.zeros(5))
    with pytest.raises(ValueError, match="floating"):
        lookm_scores.save_npy(tmp_path / "x.npy", np.zeros((2, 2), dtype=np.int32))
    with pytest.raises(ValueError, match=".npy"):
        lookm_scores.save_npy(tmp_path / "x.bin", np.zeros((2, 2)))
