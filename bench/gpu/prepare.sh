#!/usr/bin/env bash
# Publishes the ISM bench self-contained (no dotnet needed on the device) into .device/bench, without any libtorch:
# bench/gpu/run_on_device.sh takes libtorch (CUDA) from the device's PyTorch installation.
# Usage (here, where dotnet is): bench/gpu/prepare.sh [OUT_DIR]   (default .device/bench; .device/ is git-ignored)
set -euo pipefail
cd "$(dirname "$0")/../.."
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
