#!/usr/bin/env python3
"""Saturation mutagenesis the way ExPecto's own scripts compute it (the benchmark's reference).

chromatin.py: for each variant and each of the 9 shifts, fetch 2,100 bp, splice REF and ALT in, centre-crop to
2,000 bp, run BOTH windows (forward and reverse complement) through Beluga, diff = alt - ref, average strands.
predict.py: the 9-shift exponential transform and, per tissue model, xgboost predict(x) - predict(0).
Nothing is shared between variants, exactly as when a user writes every substitution into a VCF and runs the two
scripts. Tested with Debian python3-torch 1.13 and python3-xgboost 1.7.4.

Input: --region FILE with one line "<start0>\t<sequence>" (the genome from start0, 0-based), the gene's TSS (1-based)
and strand, a radius; mutations are enumerated as expecto does: positions TSS-R..TSS+R ascending, ALT in A,C,G,T
order skipping REF (positions whose REF is not A/C/G/T are skipped). --limit takes the first N mutations.
Prints one JSON line with the timing; --out writes the effects (TSV: pos ref alt then one column per model).
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch
from torch import nn

SHIFTS = [0, -200, -400, -600, -800, 200, 400, 600, 800]
DECAYS = [0.01, 0.02, 0.05, 0.1, 0.2]


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Beluga(nn.Module):
    """chromatin.py's Beluga, widths read from the state dict (the published model has 320/480/640, 2003)."""

    def __init__(self, sd):
        super().__init__()
        c = [sd[f"model.0.{i}.weight"].shape[0] for i in (0, 2, 6, 8, 12, 14)]
        hidden, out = sd["model.1.2.1.weight"].shape[0], sd["model.1.4.1.weight"].shape[0]
        flat = sd["model.1.2.1.weight"].shape[1]
        self.model = nn.Sequential(
            nn.Sequential(
                nn.Conv2d(4, c[0], (1, 8)), nn.ReLU(), nn.Conv2d(c[0], c[1], (1, 8)), nn.ReLU(), nn.Dropout(0.2),
                nn.MaxPool2d((1, 4), (1, 4)),
                nn.Conv2d(c[1], c[2], (1, 8)), nn.ReLU(), nn.Conv2d(c[2], c[3], (1, 8)), nn.ReLU(), nn.Dropout(0.2),
                nn.MaxPool2d((1, 4), (1, 4)),
                nn.Conv2d(c[3], c[4], (1, 8)), nn.ReLU(), nn.Conv2d(c[4], c[5], (1, 8)), nn.ReLU(),
            ),
            nn.Sequential(
                nn.Dropout(0.5), Lambda(lambda x: x.view(x.size(0), -1)),
                nn.Sequential(Lambda(lambda x: x.view(1, -1) if 1 == len(x.size()) else x), nn.Linear(flat, hidden)),
                nn.ReLU(),
                nn.Sequential(Lambda(lambda x: x.view(1, -1) if 1 == len(x.size()) else x), nn.Linear(hidden, out)),
            ),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.model(x)


CODE = {"A": 0, "G": 1, "C": 2, "T": 3, "a": 0, "g": 1, "c": 2, "t": 3}


def encode(seqs, inputsize=2000):
    out = np.zeros((len(seqs), 4, inputsize), np.float32)
    for n, line in enumerate(seqs):
        cline = line[int(math.floor((len(line) - inputsize) / 2.0)):int(math.floor(len(line) - (len(line) - inputsize) / 2.0))]
        for i, ch in enumerate(cline):
            k = CODE.get(ch)
            if k is not None:
                out[n, k, i] = 1
    return np.concatenate([out, out[:, ::-1, ::-1]], axis=0)


def predict(model, enc, batch):
    preds = []
    for i in range(0, enc.shape[0], batch):
        x = torch.from_numpy(np.ascontiguousarray(enc[i:i + batch])).unsqueeze(2)
        with torch.no_grad():
            preds.append(model(x).numpy())
    return np.vstack(preds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--tss", type=int, required=True)
    ap.add_argument("--strand", choices=["+", "-"], required=True)
    ap.add_argument("--radius", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--models", help="modellist (TSV ModelName, Tissue); optional")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    sd = torch.load(a.weights, map_location="cpu")
    model = Beluga(sd)
    model.load_state_dict(sd)
    model.eval()
    start0, seq = open(a.region).read().rstrip("\n").split("\t")
    start0 = int(start0)

    def fetch(s1, e1):  # 1-based closed, like pyfasta
        return seq[s1 - 1 - start0:e1 - start0]

    muts = []
    for pos in range(a.tss - a.radius, a.tss + a.radius + 1):
        r = fetch(pos, pos).upper()
        if r not in "ACGT" or len(r) != 1:
            continue
        for alt in "ACGT":
            if alt != r:
                muts.append((pos, r, alt))
    if a.limit:
        muts = muts[:a.limit]

    models = []
    if a.models:
        import xgboost as xgb
        base = os.path.dirname(os.path.abspath(a.models))
        with open(a.models) as f:
            next(f)
            for line in f:
                name = line.split("\t")[0].strip()
                b = xgb.Booster({"nthread": a.threads})
                b.load_model(name if os.path.isabs(name) else os.path.join(base, name))
                models.append(b)

    t0 = time.perf_counter()
    sign = 1 if a.strand == "+" else -1
    diffs = []
    for s in SHIFTS:  # chromatin.py loops shifts outermost
        refs, alts = [], []
        for pos, r, alt in muts:
            window = fetch(pos + s - 1049, pos + s + 1050)
            mut = 1049 - s
            refs.append(window[:mut] + r + window[mut + 1:])
            alts.append(window[:mut] + alt + window[mut + 1:])
        d = predict(model, encode(alts), a.batch_size) - predict(model, encode(refs), a.batch_size)
        n = len(muts)
        diffs.append((d[:n] + d[n:]) / 2.0)
    dist = np.array([p - a.tss for p, _, _ in muts]) * sign
    x = 0
    for j, s in enumerate(SHIFTS):
        p = dist + s * sign
        w = np.stack([np.exp(-c * np.floor(np.abs(p) / 200.0)) * (p <= 0) for c in DECAYS] +
                     [np.exp(-c * np.floor(np.abs(p) / 200.0)) * (p >= 0) for c in DECAYS]).T
        x = x + np.tile(diffs[j], 10) * np.repeat(w, diffs[j].shape[1], axis=1)
    effects = np.zeros((len(muts), len(models)))
    if models:
        import xgboost as xgb
        old = len(models[0].get_dump()[0].split("\n")) == 20034
        if old:
            x = np.concatenate([np.zeros((x.shape[0], 10, 1)), x.reshape((-1, 10, 2002))], axis=2).reshape((-1, 20030))
        dalt, dref = xgb.DMatrix(x), xgb.DMatrix(x * 0)
        for k, b in enumerate(models):
            effects[:, k] = b.predict(dalt) - b.predict(dref)
    seconds = time.perf_counter() - t0
    if a.out:
        with open(a.out, "w") as f:
            for (pos, r, alt), row in zip(muts, effects):
                f.write("\t".join([str(pos), r, alt] + [repr(float(v)) for v in row]) + "\n")
    print(json.dumps({"engine": "pytorch-reference", "mutations": len(muts), "seconds": seconds,
                      "mutations_per_s": len(muts) / seconds if seconds > 0 else None,
                      "windows": len(muts) * 36, "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
