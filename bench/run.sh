#!/usr/bin/env bash
# The ISM benchmark in one command: builds bench/Ism (Release) and prints one table of steady-state mutations/s,
# peak RSS and ratios for the naive and incremental TorchSharp engines and ExPecto's reference approach in PyTorch
# (/usr/bin/python3 bench/reference/expecto_reference_ism.py, skipped with a message when python3-torch is absent),
# at a reduced width and at the full Beluga shape, plus the numeric cross-checks and the targets.
# Usage: bench/run.sh [reduced|full|all] [--threads N] [--device cuda:N] [--scale X] [--no-reference]
#        bench/run.sh precision | variants [...]   (precision modes vs fp32; predict-variants windows vs regions: bench/README.md)
# Default: all --threads 1 (on a shared, oversubscribed machine libtorch's 2-thread barriers stall). ~5–8 min on 2 cores.
# The output is also saved to bench/out/ism-<UTC time>.txt (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -gt 0 ]] || set -- all --threads 1
dotnet build -c Release bench/Ism -v quiet -nologo
mkdir -p bench/out
dotnet bench/Ism/bin/Release/net10.0/linux-x64/expecto-bench-ism.dll "$@" 2>&1 | tee "bench/out/ism-$(date -u +%Y%m%dT%H%M%SZ).txt"
