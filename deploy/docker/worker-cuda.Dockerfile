# syntax=docker/dockerfile:1.7
# The GPU worker: `expecto-worker` built with the CUDA switch -p:ExPectoTorchBackend=cuda (libtorch-cuda-12.8,
# see build/Torch.props), plus the `expecto` CLI without libtorch for the preStop leave.
# libtorch-cuda-12.8-linux-x64 is not served by every package mirror: build where nuget.org is reachable.
# The NuGet package bundles the CUDA user-space libraries (cuBLAS, cuDNN, …), so the runtime needs only the
# driver, which the NVIDIA container toolkit mounts; the CUDA base image supplies the compatible environment.
# Build from the repository root:  docker build -f deploy/docker/worker-cuda.Dockerfile -t expecto/worker-cuda:dev .
ARG DOTNET_VERSION=10.0
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-base-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish src/GpuWorker -c Release -p:ExPectoTorchBackend=cuda -o /out/worker \
 && dotnet publish src/Coordinator -c Release -p:ExPectoTorchBackend=none -o /out/expecto \
 && test -f /out/worker/libtorch_cuda.so

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS dotnet

FROM ${CUDA_IMAGE} AS runtime
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_gcServer=1 \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_NOLOGO=1 \
    HOME=/tmp \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
# The .NET + ASP.NET Core runtime from Microsoft's image (same Ubuntu 24.04 base), instead of a package feed.
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
COPY --from=build /out/worker /app/worker
COPY --from=build /out/expecto /app/expecto
RUN printf '#!/bin/sh\nexec /app/worker/expecto-worker "$@"\n' > /usr/local/bin/expecto-worker \
 && printf '#!/bin/sh\nexec /app/expecto/expecto "$@"\n' > /usr/local/bin/expecto \
 && chmod 0755 /usr/local/bin/expecto-worker /usr/local/bin/expecto \
 && groupadd --system --gid 10001 expecto \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin expecto
USER 10001:10001
EXPOSE 4053 9110
CMD ["expecto-worker"]
