#!/usr/bin/env bash
# Publishes the ISM bench self-contained (no dotnet needed on the device) into .device/bench, without any libtorch:
# bench/gpu/run_on_device.sh takes libtorch (CUDA) from the device's PyTorch installation.
# Usage (here, where dotnet is): bench/gpu/prepare.sh [--proof] [OUT_DIR]   (default .device/bench; .device/ is git-ignored)
# --proof also publishes `expecto` (src/Coordinator, same external backend) into .device/expecto and packs both into
# .device/proof.tar.xz (must stay under the device tool's 64 MiB carry) for bench/gpu/proof_on_device.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
proof=0
if [[ "${1:-}" == --proof ]]; then proof=1; shift; fi
out="${1:-.device/bench}"
rm -rf "$out"
# external: TorchSharp + its shim libLibTorchSharp.so, CUDA devices allowed, no libtorch package (build/Torch.props).
# TrimMode=partial trims only the framework (TorchSharp and our assemblies stay whole) to get under ~60 MB.
# Its own artifacts folder, so this build (other defines, no libtorch package) never mixes with the normal bin/obj.
dotnet publish bench/Ism -c Release -r linux-x64 --self-contained true -o "$out" --artifacts-path .device/artifacts \
    -p:ExPectoTorchBackend=external -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true \
    -p:DebugType=none -p:GenerateDocumentationFile=false
# Whatever libtorch might have slipped in must not shadow the CUDA one from PyTorch.
find "$out" -maxdepth 1 -name '*.so*' ! -name 'libLibTorchSharp.so' \
    \( -name 'libtorch*' -o -name 'libc10*' -o -name 'libgomp*' -o -name 'libiomp*' -o -name 'libfbgemm*' -o -name 'libasmjit*' \) -delete
cp bench/reference/expecto_reference_ism.py bench/gpu/run_on_device.sh "$out"/
rm -rf .device/artifacts
du -sh "$out"
ls "$out"/*.so
if [[ $proof -eq 1 ]]; then
    # Not trimmed: a trimmed `expecto` turns off reflection-based System.Text.Json, which the cluster's serializer and
    # the configuration binder use (measured: `run` then fails to persist JobSubmitted); xz keeps the pack small.
    rm -rf .device/expecto
    dotnet publish src/Coordinator -c Release -r linux-x64 --self-contained true -o .device/expecto --artifacts-path .device/artifacts \
        -p:ExPectoTorchBackend=external -p:DebugType=none -p:GenerateDocumentationFile=false
    find .device/expecto -maxdepth 1 -name '*.so*' ! -name 'libLibTorchSharp.so' \
        \( -name 'libtorch*' -o -name 'libc10*' -o -name 'libgomp*' -o -name 'libiomp*' -o -name 'libfbgemm*' -o -name 'libasmjit*' \) -delete
    rm -rf .device/artifacts
    tar -C .device -cf - bench expecto | xz -T0 -6 > .device/proof.tar.xz
    ls -la .device/proof.tar.xz
fi
