#!/usr/bin/env bash
# The GPU proof in one device call (issue 12, item 6), from the publish `bench/gpu/prepare.sh --proof` packed into
# .device/proof.tar.xz (the ISM bench and `expecto`, self-contained, libtorch from the device's PyTorch):
#   (a) the precision bench at the full Beluga shape on the GPU: every precision (fp32, tf32, bf16), steady mut/s,
#       and max |Δ| / |effect| error against fp32 (effects with ExPecto's 218 real models when EXPECTO_SHARED_DIR is
#       set on the device; without them the bench says so and prints the speeds and chromatin errors only);
#   (b) `expecto run` end to end (external libtorch from the device's PyTorch) of GENES demo genes at radius RADIUS
#       with full-size random weights on DEVICE, the same job on the CPU, and their effects compared (≤ 1e-5, fp32).
# Usage (repository root on the device):  bench/gpu/proof_on_device.sh
#   run(command="bench/gpu/proof_on_device.sh", carry=[".device/proof.tar.xz"], timeout_s=570)
# Dry run on a CPU machine (no GPU, no publish: the normal builds, both halves of (b) on the CPU):
#   DEVICE=cpu RADIUS=20 bench/gpu/proof_on_device.sh
# The packed publish itself on a CPU machine, with the CPU libtorch of a normal build instead of PyTorch's:
#   DEVICE=cpu PUBLISHED=1 TORCH_LIB=$PWD/bench/Ism/bin/Release/net10.0/linux-x64 RADIUS=20 bench/gpu/proof_on_device.sh
# Environment: DEVICE (cuda:0), PYTHON (python3, only to find libtorch), PROOF_DIR (an unpacked publish), THREADS (CPU
# threads, default all), GENES (2 demo genes), RADIUS (1000), MUTATIONS (precision bench, 2048 on CUDA, 48 on CPU),
# BATCH (mutations per engine call; default the device kind's), BUDGET (seconds for the whole script, 540: each step gets what is left).
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
device="${DEVICE:-cuda:0}"
threads="${THREADS:-$(nproc)}"
genes="${GENES:-ENSG00000101076,ENSG00000101384}"   # HNF4A, JAG1 (demo/genes.bed)
radius="${RADIUS:-1000}"
budget="${BUDGET:-540}"
out="${OUT:-$(mktemp -d)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
left() { echo $(( budget - (SECONDS - start) )); }
fail=0

if [[ "$device" == cpu && -z "${PUBLISHED:-}" ]]; then
    # Dry run: the normal Release builds of this checkout.
    bench=(dotnet bench/Ism/bin/Release/net10.0/linux-x64/expecto-bench-ism.dll)
    expecto=(dotnet src/Coordinator/bin/Release/net10.0/linux-x64/expecto.dll)
    mutations="${MUTATIONS:-48}"
else
    # The packed publish (prepare.sh --proof), unpacked outside the checkout; python's tarfile when xz is missing.
    dir="${PROOF_DIR:-}"
    if [[ -z "$dir" ]]; then
        [[ -f .device/proof.tar.xz ]] || { echo "no .device/proof.tar.xz: run bench/gpu/prepare.sh --proof where dotnet is and carry it" >&2; exit 2; }
        tar -C "$work" -xJf .device/proof.tar.xz 2>/dev/null \
            || "${PYTHON:-python3}" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' .device/proof.tar.xz "$work" || exit 2
        dir="$work"
    fi
    chmod +x "$dir/bench/expecto-bench-ism" "$dir/expecto/expecto" 2>/dev/null || true
    py="${PYTHON:-python3}"
    torch_lib="${TORCH_LIB:-$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__) + "/lib")')}" || { echo "cannot import torch with $py (or set TORCH_LIB)" >&2; exit 2; }
    echo "== device: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1); libtorch at $torch_lib"
    # As run_on_device.sh: the publish carries no libtorch, the shim resolves PyTorch's (TorchSharp 0.107 expects 2.10).
    export LD_LIBRARY_PATH="${torch_lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    bench=("$dir/bench/expecto-bench-ism")
    expecto=("$dir/expecto/expecto")
    mutations="${MUTATIONS:-2048}"
fi
echo "== cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, threads $threads; device $device; output $out"

batch=(); [[ -n "${BATCH:-}" ]] && batch=(--batch-size "$BATCH")   # default: the device kind's (DeltaEngineOptions)
echo "== (a) precision bench, full shape, $mutations mutations ${batch[*]}"
timeout "$(( $(left) / 3 ))" "${bench[@]}" precision --device "$device" --threads "$threads" --mutations "$mutations" "${batch[@]}" \
    2>&1 | tee "$out/precision.txt"
[[ ${PIPESTATUS[0]} -eq 0 ]] || { echo "precision bench failed or ran out of time"; fail=1; }

echo "== (b) expecto run of $genes at radius $radius, full-size random weights: $device, then cpu"
"${bench[@]}" random-inputs "$work/in" || exit 2
run() {  # run DEVICE DIR
    timeout "$(( $(left) - 20 ))" "${expecto[@]}" run --genome demo/genome/hg19_chr20_demo.fa.gz --annotation demo/genes.bed \
        --beluga "$work/in/beluga_full_random.pth" --models "$work/in/models/modellist" --genes "$genes" --radius "$radius" \
        --out "$work/$2" --devices "$1" --progress-interval 30 --admin 127.0.0.1:0 2>&1 | tail -5
    return "${PIPESTATUS[0]}"
}
t0=$SECONDS; run "$device" run-device || { echo "expecto run on $device failed"; fail=1; }; t1=$SECONDS
echo "expecto run on $device: $(( t1 - t0 )) s"
if [[ "$device" != cpu ]]; then
    run cpu run-cpu || { echo "expecto run on cpu failed or ran out of time"; fail=1; }
    echo "expecto run on cpu: $(( SECONDS - t1 )) s"
    "${bench[@]}" compare-effects "$work/run-device" "$work/run-cpu" 1e-5 | tee "$out/compare.txt"
    [[ ${PIPESTATUS[0]} -eq 0 ]] || fail=1
else
    # Dry run: a second CPU run with another batch size (another job, same numbers to float rounding).
    "${expecto[@]}" run --genome demo/genome/hg19_chr20_demo.fa.gz --annotation demo/genes.bed --beluga "$work/in/beluga_full_random.pth" \
        --models "$work/in/models/modellist" --genes "$genes" --radius "$radius" --out "$work/run-cpu" --devices cpu --batch-size 7 \
        --admin 127.0.0.1:0 2>&1 | tail -3
    "${bench[@]}" compare-effects "$work/run-device" "$work/run-cpu" 1e-5 | tee "$out/compare.txt"
    [[ ${PIPESTATUS[0]} -eq 0 ]] || fail=1
fi
echo "== proof: $([[ $fail -eq 0 ]] && echo OK || echo FAILED) in $(( SECONDS - start )) s"
exit "$fail"
