# One image for every EasyParkPlus process; docker-compose.yml and docker-compose.temporal.yml pick the entry point.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# The gateway's build installs the official OCPP 2.0.1 schemas with npm (ocpp-gateway/schemas).
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
COPY . .
RUN dotnet publish api/EasyParkPlus.Api/EasyParkPlus.Api.csproj -c Release -o /app/api \
 && dotnet publish ocpp-gateway/EasyParkPlus.OcppGateway/EasyParkPlus.OcppGateway.csproj -c Release -o /app/ocpp-gateway \
 && dotnet publish worker/EasyParkPlus.Worker/EasyParkPlus.Worker.csproj -c Release -o /app/worker

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080
USER app
