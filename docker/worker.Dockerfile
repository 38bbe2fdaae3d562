# A LabelAndAlign training worker (lna worker): native engine, and libtorch on the CPU. Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t labelandalign-worker .
# Run: docker run -e LNA_API_KEY=<a Worker account's key> labelandalign-worker --server http://<app>:8080
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/LabelAndAlign.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
# OpenBLAS runs the native engine's large matrix products.
RUN apt-get update && apt-get install -y --no-install-recommends libopenblas0-pthread && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# Its name defaults to the container's hostname, unique per replica.
ENTRYPOINT ["./lna", "worker"]
CMD ["--server", "http://web:8080"]
