using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data.GatewayApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.Api.Tests.Console;

/// <summary>
/// The api with its worker (the business workflows and their activities). Sessions started from the app have no gates,
/// so no gateway is needed: the registered one refuses every call.
/// </summary>
public sealed class ApiWithParkingFixture : ApiFixture
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IGatewayClient, NoGateway>());
    }

    private sealed class NoGateway : IGatewayClient
    {
        private static InvalidOperationException None() => new("No gateway in the console tests: sessions started from the app use no gates or chargers.");

        public Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken) => throw None();

        public Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken) => throw None();

        public Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken) => throw None();

        public Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken) => throw None();

        public Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken) => throw None();

        public Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken) => throw None();

        public Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken) =>
            throw None();
    }
}
