using EasyParkPlus.TemporalServer.Frontend;
using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Timers;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.TestService.V1;

namespace EasyParkPlus.TemporalServer.TestService;

/// <summary>
/// The time-skipping test service, with the Java test server's semantics: locks are counted (the server starts
/// locked; the SDK unlocks around waiting for a result), sleeps wait on the virtual clock, and "unlock with sleep"
/// lets time skip until the sleep ends, then locks again.
/// </summary>
public sealed class TestServiceRpcs(ServerClock clock)
{
    public void Map(RpcRegistry registry)
    {
        var ts = RpcRegistry.TestService;
        registry.Map<LockTimeSkippingRequest, LockTimeSkippingResponse>(ts, "LockTimeSkipping", (_, _) =>
        {
            clock.Lock();
            return ValueTask.FromResult(new LockTimeSkippingResponse());
        });
        registry.Map<UnlockTimeSkippingRequest, UnlockTimeSkippingResponse>(ts, "UnlockTimeSkipping", (_, _) =>
            clock.Unlock()
                ? ValueTask.FromResult(new UnlockTimeSkippingResponse())
                : throw RpcError.FailedPrecondition("Unbalanced lock and unlock calls: time skipping is not locked."));
        registry.Map<SleepRequest, SleepResponse>(ts, "Sleep", async (r, c) =>
        {
            await SleepUntilAsync(clock.UtcNow + Duration(r.Duration), onWake: null, c.CancellationToken);
            return new SleepResponse();
        });
        registry.Map<SleepUntilRequest, SleepResponse>(ts, "SleepUntil", async (r, c) =>
        {
            var until = r?.Timestamp ?? throw RpcError.InvalidArgument("Timestamp is not set on request.");
            await SleepUntilAsync(until.ToDateTimeOffset(), onWake: null, c.CancellationToken);
            return new SleepResponse();
        });
        registry.Map<SleepRequest, SleepResponse>(ts, "UnlockTimeSkippingWithSleep", async (r, c) =>
        {
            var wake = SleepUntilAsync(clock.UtcNow + Duration(r.Duration), onWake: clock.Lock, c.CancellationToken);
            if (!clock.Unlock())
            {
                throw RpcError.FailedPrecondition("Unbalanced lock and unlock calls: time skipping is not locked.");
            }
            await wake;
            return new SleepResponse();
        });
        registry.Map<Empty, GetCurrentTimeResponse>(ts, "GetCurrentTime", (_, _) =>
            ValueTask.FromResult(new GetCurrentTimeResponse { Time = clock.UtcNow.ToProtoTimestamp() }));
    }

    private static TimeSpan Duration(Google.Protobuf.WellKnownTypes.Duration? duration) =>
        duration.IsNegative() ? throw RpcError.InvalidArgument("Duration cannot be negative.") : duration.ToTimeSpanOrZero();

    private Task SleepUntilAsync(DateTimeOffset until, Action? onWake, CancellationToken cancellationToken)
    {
        var woke = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timer = clock.Schedule(until, () =>
        {
            onWake?.Invoke();
            woke.TrySetResult();
            return ValueTask.CompletedTask;
        });
        cancellationToken.Register(() =>
        {
            timer.Cancel();
            woke.TrySetCanceled(cancellationToken);
        });
        return woke.Task;
    }
}
