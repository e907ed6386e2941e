# syntax=docker/dockerfile:1.7
# The CPU worker: `expecto-worker` with libtorch-cpu (linux-x64), plus the `expecto` CLI without libtorch for the
# preStop `expecto admin 127.0.0.1:9110 cluster leave`.
# Build from the repository root:  docker build -f deploy/docker/worker-cpu.Dockerfile -t expecto/worker-cpu:dev .
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY . .
# The build patches libLibTorchSharp.so's GLIBCXX need where it is copied (Directory.Build.targets); harmless here.
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish src/GpuWorker -c Release -p:ExPectoTorchBackend=cpu -o /out/worker \
 && dotnet publish src/Coordinator -c Release -p:ExPectoTorchBackend=none -o /out/expecto \
 && test -f /out/worker/libtorch_cpu.so

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
ENV DOTNET_gcServer=1 \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_NOLOGO=1 \
    HOME=/tmp
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
