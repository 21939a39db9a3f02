#!/usr/bin/env python3
"""Pack the golden cases (outputs of the authors' original LOOK-M code) into compact, lossless .npz files.

Usage: pack_golden.py SRC_GOLDEN_DIR DST_DIR [--query-rows full|window]

Per case it keeps the inputs (K, V, attention column sums, image id per token, Q: all rows or only the
last recent_size rows SnapKV needs) and per policy: kept_idx (original output order), and for merge
policies the rows of K_out/V_out that received merges (every other output row is an exact copy of an
input row: verified here, and the manifest says so), nearest_row, merge_dst_row, merge_src_pos, filter.
The packed file is checked to rebuild K_out and V_out bit for bit before it is written.
"""
import json, os, sys, io
import numpy as np

MERGE_POLICIES = {"PivotKVCache_LayerWise", "AVGMergeKVCache_LayerWise", "WeightedMergeKVCache_LayerWise",
                  "TextPivotMerge_LayerWise", "TextAVGMergeKVCache_LayerWise", "TextWeightedMerge_LayerWise"}


def pack_case(src, dst, query_rows):
    m = json.load(open(os.path.join(src, "manifest.json")))
    arrays = {}
    K = np.load(os.path.join(src, "K.npy"))[0]
    V = np.load(os.path.join(src, "V.npy"))[0]
    Q = np.load(os.path.join(src, "Q.npy"))[0]
    arrays["K"], arrays["V"] = K, V
    R = m["recent_size"]
    arrays["Q"] = Q if query_rows == "full" else Q[:, Q.shape[1] - R:, :]
    arrays["q_first_position"] = np.array([0 if query_rows == "full" else Q.shape[1] - R], dtype=np.int32)
    arrays["attn_colsum"] = np.load(os.path.join(src, "attn_colsum.npy"))
    arrays["token_image_id"] = np.load(os.path.join(src, "token_image_id.npy")).astype(np.int32)
    for policy in m["policies"]:
        d = os.path.join(src, policy)
        kept = np.load(os.path.join(d, "kept_idx.npy"))
        arrays[policy + "/kept_idx"] = kept.astype(np.int32)
        k_out, v_out = np.load(os.path.join(d, "K_out.npy"))[0], np.load(os.path.join(d, "V_out.npy"))[0]
        H = kept.shape[0]
        gathered_k = np.stack([K[h, kept[h]] for h in range(H)])
        gathered_v = np.stack([V[h, kept[h]] for h in range(H)])
        changed = np.any(gathered_k != k_out, axis=2) | np.any(gathered_v != v_out, axis=2)  # [H, C]
        if policy in MERGE_POLICIES:
            received = np.zeros_like(changed)
            dst_rows = np.load(os.path.join(d, "merge_dst_row.npy"))
            for h in range(H):
                received[h, np.unique(dst_rows[h])] = True
            assert not np.any(changed & ~received), policy + ": a row without merges changed"
            arrays[policy + "/received"] = received.astype(np.uint8)
            arrays[policy + "/K_rows"] = k_out[received]
            arrays[policy + "/V_rows"] = v_out[received]
            for name in ("nearest_row", "merge_dst_row", "merge_src_pos", "pruned_idx"):
                arrays[policy + "/" + name] = np.load(os.path.join(d, name + ".npy")).astype(np.int32)
            arrays[policy + "/nearest_margin"] = np.load(os.path.join(d, "nearest_margin.npy"))
            if os.path.exists(os.path.join(d, "filter.npy")):
                arrays[policy + "/filter"] = np.load(os.path.join(d, "filter.npy")).astype(np.uint8)
            # lossless check: rebuild the outputs from the packed arrays
            rk, rv = gathered_k.copy(), gathered_v.copy()
            rk[received], rv[received] = arrays[policy + "/K_rows"], arrays[policy + "/V_rows"]
            assert np.array_equal(rk, k_out) and np.array_equal(rv, v_out), policy + ": packing is not lossless"
        else:
            assert not np.any(changed), policy + ": a drop policy changed a row"
    os.makedirs(dst, exist_ok=True)
    tmp = os.path.join(dst, "case.npz.tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
    os.replace(tmp, os.path.join(dst, "case.npz"))
    with open(os.path.join(src, "manifest.json")) as f, open(os.path.join(dst, "manifest.json"), "w") as g:
        g.write(f.read())


if __name__ == "__main__":
    src_root, dst_root = sys.argv[1], sys.argv[2]
    rows = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--query-rows" else "window"
    for case in sorted(os.listdir(src_root)):
        if os.path.isdir(os.path.join(src_root, case)):
            pack_case(os.path.join(src_root, case), os.path.join(dst_root, case), rows)
            print(case, os.path.getsize(os.path.join(dst_root, case, "case.npz")) // 1024, "KiB")
