# The LabelAndAlign web app. It never trains or samples: workers do (docker/worker.Dockerfile), so this image starts
# no local worker (Training__LocalWorkers=0) and needs no OpenBLAS. Build from the repository root:
#   docker build -f docker/web.Dockerfile -t labelandalign-web .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/LabelAndAlign.Web -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The database, cookie keys, run folders and checkpoints: keep /data on a volume.
ENV ASPNETCORE_URLS=http://+:8080 \
    ConnectionStrings__Default="Data Source=/data/labelandalign.db" \
    Training__LocalWorkers=0
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["./LabelAndAlign.Web"]
