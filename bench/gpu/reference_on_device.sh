#!/usr/bin/env bash
# The PyTorch reference (bench/reference/expecto_reference_ism.py) on a GPU, with nothing but PyTorch there: makes
# full-size random Beluga weights and a random 7 kb region on the device, then times ExPecto's way of scoring
# saturation mutations (36 windows per mutation, nothing shared) on cuda:0. Usage: bench/gpu/reference_on_device.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-300}"
tmp="$(mktemp -d)"
python3 - "$tmp" <<'PY'
import random, sys, torch
out = sys.argv[1]
torch.manual_seed(1)
c = [4, 320, 320, 480, 480, 640, 640]
sd = {}
for i, k in enumerate([0, 2, 6, 8, 12, 14]):
    sd[f"model.0.{k}.weight"] = (torch.rand(c[i + 1], c[i], 1, 8) * 2 - 1) / (c[i] * 8) ** 0.5
    sd[f"model.0.{k}.bias"] = (torch.rand(c[i + 1]) * 2 - 1) / (c[i] * 8) ** 0.5
for key, (o, i) in {"model.1.2.1": (2003, 640 * 106), "model.1.4.1": (2002, 2003)}.items():
    sd[key + ".weight"] = (torch.rand(o, i) * 2 - 1) / i ** 0.5
    sd[key + ".bias"] = (torch.rand(o) * 2 - 1) / i ** 0.5
torch.save(sd, out + "/beluga_full_random.pth")
random.seed(1)
open(out + "/region.tsv", "w").write("0\t" + "".join(random.choice("ACGT") for _ in range(7000)) + "\n")
PY
for batch in 64 256; do
  python3 bench/reference/expecto_reference_ism.py --weights "$tmp/beluga_full_random.pth" --region "$tmp/region.tsv" \
      --tss 3500 --strand + --radius 1000 --limit "$n" --device cuda --batch-size "$batch" --threads 4
done
rm -rf "$tmp"
