# syntax=docker/dockerfile:1.7
# The control image: seed (`expecto-seed`), coordinator and the `expecto` CLI (incl. `expecto admin`, used by
# preStop hooks and the schedule CronJob). No libtorch: built with -p:ExPectoTorchBackend=none.
# Build from the repository root:  docker build -f deploy/docker/control.Dockerfile -t expecto/control:dev .
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish src/Seed -c Release -p:ExPectoTorchBackend=none -o /out/seed \
 && dotnet publish src/Coordinator -c Release -p:ExPectoTorchBackend=none -o /out/expecto \
 && ! find /out -name 'libtorch*.so' | grep -q .

# ASP.NET Core runtime: the admin console and /healthz, /readyz run on Kestrel.
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
ENV DOTNET_gcServer=1 \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_NOLOGO=1 \
    HOME=/tmp
COPY --from=build /out/seed /app/seed
COPY --from=build /out/expecto /app/expecto
# Wrappers rather than symlinks: the apphost locates its app folder from its own path.
RUN printf '#!/bin/sh\nexec /app/seed/expecto-seed "$@"\n' > /usr/local/bin/expecto-seed \
 && printf '#!/bin/sh\nexec /app/expecto/expecto "$@"\n' > /usr/local/bin/expecto \
 && chmod 0755 /usr/local/bin/expecto-seed /usr/local/bin/expecto \
 && groupadd --system --gid 10001 expecto \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin expecto
# Runs with a read-only root filesystem in Kubernetes: only /tmp (emptyDir) and mounted volumes are writable.
USER 10001:10001
EXPOSE 4053 9110
CMD ["expecto", "--help"]
