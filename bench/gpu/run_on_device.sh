#!/usr/bin/env bash
# Runs the ISM bench on a machine with an NVIDIA GPU and PyTorch+CUDA but no dotnet, from the self-contained
# publish that bench/gpu/prepare.sh made (.device/bench). TorchSharp's shim (libLibTorchSharp.so) is pointed at the
# libtorch that the PyTorch installation ships; the PyTorch reference runs on the same GPU.
# Usage (repository root on the device): bench/gpu/run_on_device.sh [extra bench args, e.g. full]
# Environment: PYTHON (default python3), BENCH_DIR (default .device/bench, or this script's folder when it holds the
# bench), DEVICE (cuda:0), THREADS (4), SCALE (8: mutations per cell × 8, GPU cells are fast), BENCH_TIMEOUT (480 s).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ -n "${BENCH_DIR:-}" ]]; then dir="$BENCH_DIR"
elif [[ -x "$here/expecto-bench-ism" || -f "$here/expecto-bench-ism" ]]; then dir="$here"
else dir="$here/../../.device/bench"; fi
dir="$(cd "$dir" && pwd)" || { echo "bench folder not found: run bench/gpu/prepare.sh where dotnet is and carry .device/bench" >&2; exit 2; }
py="${PYTHON:-python3}"
device="${DEVICE:-cuda:0}"
out="${OUT:-}"

echo "== device"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -4
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== PyTorch"
info="$("$py" - <<'PY'
import os, torch
print(torch.__version__)
print(os.path.dirname(torch.__file__) + "/lib")
print(torch.version.cuda)
print(torch.cuda.is_available() and torch.cuda.get_device_name(0))
print(int(torch._C._GLIBCXX_USE_CXX11_ABI))
PY
)" || { echo "cannot import torch with $py" >&2; exit 2; }
mapfile -t f <<<"$info"
torch_version="${f[0]}"; torch_lib="${f[1]}"
echo "torch ${torch_version} (CUDA ${f[2]}, GPU: ${f[3]}, cxx11 abi ${f[4]}), libtorch at ${torch_lib}"
# TorchSharp 0.107 and its shim are built against libtorch 2.10 (the libtorch-cpu/cuda 2.10.0 packages). libtorch
# has no stable C++ ABI: another minor version may fail to load (undefined symbol) or misbehave.
case "$torch_version" in
    2.10.*) echo "libtorch version matches TorchSharp 0.107 (2.10)";;
    *) echo "WARNING: PyTorch ${torch_version} ships libtorch ${torch_version%%+*}, TorchSharp 0.107 expects 2.10: expect load errors (report this mismatch)";;
esac
ls "$torch_lib"/libtorch_cuda.so >/dev/null 2>&1 || echo "WARNING: no libtorch_cuda.so in $torch_lib (CPU-only PyTorch?)"

# Torch's lib dir first, so libLibTorchSharp.so resolves libtorch.so/libc10.so/libtorch_cuda.so there; the publish
# carries no libtorch of its own (prepare.sh), so nothing can shadow it.
export LD_LIBRARY_PATH="${torch_lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
stray="$(ls "$dir" | grep -E '^lib(torch|c10)' || true)"
[[ -z "$stray" ]] || { echo "removing bundled libtorch from $dir: $stray"; (cd "$dir" && rm -f $stray); }
echo "shim needs: $(ldd "$dir/libLibTorchSharp.so" 2>&1 | grep -E 'torch|c10|not found' | sed 's/^[[:space:]]*//' | tr '\n' ';')"
chmod +x "$dir/expecto-bench-ism" 2>/dev/null || true

# GPU memory of the whole run (TorchSharp has no max_memory_allocated; the PyTorch rows report their own peak).
smi_log="$(mktemp)"
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 500 >"$smi_log" 2>/dev/null &
smi_pid=$!

echo "== bench"
cmd=("$dir/expecto-bench-ism" --device "$device" --threads "${THREADS:-4}" --scale "${SCALE:-8}"
     --python "$(command -v "$py")" --reference-script "$dir/expecto_reference_ism.py" "${@:-all}")
echo "${cmd[*]}"
if [[ -n "$out" ]]; then
    timeout "${BENCH_TIMEOUT:-480}" "${cmd[@]}" 2>&1 | tee "$out/bench-gpu.txt"
else
    timeout "${BENCH_TIMEOUT:-480}" "${cmd[@]}" 2>&1
fi
rc=${PIPESTATUS[0]}
kill "$smi_pid" 2>/dev/null
echo "peak GPU memory used during the run (nvidia-smi, all processes): $(sort -n "$smi_log" | tail -1) MiB"
echo "bench exit code: $rc"
exit "$rc"
