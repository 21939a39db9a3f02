"""The measurements quoted in spec/SPEC.md §2.8 and §3 (score precision and tie order), from the golden cases.

Usage: /usr/bin/python3 golden_precision_probe.py [GOLDEN_DIR]   (Debian's python3-torch 1.13; default ../shared/golden)

Per case and head, over the text prior's candidates [0, T - R):
  * float32 vs bfloat16 score tensor (torch CPU autocast: hh_score.to(bf16) + the -65516 mask cast to bf16):
    distinct penalised image scores, scores equal to the cut, and how many kept positions torch's topk and the
    position rule (score desc, position asc) disagree on;
  * the CUDA-autocast dtype flow (probabilities recomputed from Q, K in float32, cast to bfloat16, summed in
    float32, exact penalty): how many positions of the float32 top-N change.
"""
import glob
import json
import math
import sys

import numpy as np
import torch

PENALTY = 65516


def penalised(colsum, img, recent, dtype):
    mask = torch.zeros(colsum.shape, dtype=torch.int64)
    mask[:, img] = -PENALTY
    mask = mask.to(dtype)
    mask[:, -recent:] = -PENALTY
    return colsum.to(dtype) + mask


def position_top(v, k):
    order = np.lexsort((np.arange(len(v)), -v.astype(np.float64)))
    return set(order[:k].tolist())


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/golden"
    for case in sorted(glob.glob(root + "/*/manifest.json")):
        d = case[: -len("manifest.json")]
        m = json.load(open(case))
        T, N, R, dim = m["T"], m["hh_size"], m["recent_size"], m["d"]
        colsum = torch.from_numpy(np.load(d + "attn_colsum.npy"))
        img = torch.from_numpy(np.load(d + "token_image_id.npy")) >= 0
        cand_img = img[: T - R]
        print(m["case"]["name"], "T=%d N=%d R=%d" % (T, N, R))
        for dtype in (torch.float32, torch.bfloat16):
            b = penalised(colsum, img, R, dtype)[:, : T - R]
            rows = []
            for h in range(b.shape[0]):
                kth = torch.sort(b[h], descending=True).values[N - 1].item()
                swapped = len(set(torch.topk(b[h], N).indices.tolist()) - position_top(b[h].float().numpy(), N))
                rows.append("distinct=%d equal_at_cut=%d above=%d torch_vs_position=%d" % (
                    len(torch.unique(b[h][cand_img])), int((b[h] == kth).sum()), int((b[h] > kth).sum()), swapped))
            print("  %-8s" % str(dtype).split(".")[-1], " | ".join(rows))
        q = torch.from_numpy(np.load(d + "Q.npy"))[0]
        k = torch.from_numpy(np.load(d + "K.npy"))[0]
        z = q @ k.transpose(1, 2) / math.sqrt(dim) + torch.triu(torch.full((T, T), torch.finfo(torch.float32).min), 1)
        p = torch.softmax(z, dim=-1, dtype=torch.float32)
        changed = 0
        for fp32, cuda_like in zip(penalised(p.sum(1), img, R, torch.float32)[:, : T - R],
                                   penalised(p.to(torch.bfloat16).float().sum(1), img, R, torch.float32)[:, : T - R]):
            changed += len(set(torch.topk(fp32, N).indices.tolist()) - set(torch.topk(cuda_like, N).indices.tolist()))
        print("  cuda-autocast flow: %d kept positions change" % changed)


if __name__ == "__main__":
    main()
