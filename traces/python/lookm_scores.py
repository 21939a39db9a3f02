"""Saves importance scores computed in Python (a kvpress press's ``score()``, your own scorer) for lookm's
``--scores-from`` (traces/FORMAT.md, "External scores"): per layer and KV head, higher means keep.

    import lookm_scores
    lookm_scores.save_npy("scores.npy", scores)      # scores: (L, H, T) or (H, T), any float array or torch tensor
    lookm_scores.save_arrow("scores.arrow", scores)  # tidy Arrow IPC: layer, head, position (int32), score (float32)

Both refuse non-finite values and shapes other than (L, H, T) / (H, T), naming the first bad index.
"""
import numpy as np


def _as_lht(scores):
    """The scores as a float32 (L, H, T) array; a (H, T) array is one layer. Refuses NaN/Inf with their index."""
    if hasattr(scores, "detach"):  # a torch tensor, without importing torch
        scores = scores.detach().float().cpu().numpy()
    a = np.asarray(scores)
    if a.ndim == 2:
        a = a[np.newaxis]
    if a.ndim != 3 or a.size == 0:
        raise ValueError(f"scores must be (L, H, T) or (H, T) and non-empty, got shape {np.shape(scores)}")
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"scores must be floating point, got dtype {a.dtype}")
    a = a.astype(np.float32)
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        layer, head, position = (int(i) for i in bad[0])
        raise ValueError(f"scores must be finite: {a[layer, head, position]} at layer {layer}, head {head}, position {position}")
    return a


def save_npy(path, scores):
    """Writes (L, H, T) float32 scores as a .npy file (the name must end in .npy for lookm to read it as NumPy)."""
    if not str(path).endswith(".npy"):
        raise ValueError(f"{path}: a NumPy score file's name must end in .npy")
    np.save(path, _as_lht(scores), allow_pickle=False)


def save_arrow(path, scores):
    """Writes the scores as a tidy Arrow IPC file: one row per (layer, head, position)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    a = _as_lht(scores)
    layers, heads, tokens = a.shape
    layer, head, position = np.meshgrid(np.arange(layers), np.arange(heads), np.arange(tokens), indexing="ij")
    table = pa.table({"layer": layer.ravel().astype(np.int32), "head": head.ravel().astype(np.int32),
                      "position": position.ravel().astype(np.int32), "score": a.ravel()})
    with ipc.new_file(str(path), table.schema) as writer:
        writer.write_table(table)
