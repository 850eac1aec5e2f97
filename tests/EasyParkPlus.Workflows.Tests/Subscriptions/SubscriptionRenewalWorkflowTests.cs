using System.Diagnostics;
using EasyParkPlus.Domain.Subscriptions;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Subscriptions;
using EasyParkPlus.Workflows.Tests.Charging;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Temporalio.Client;

namespace EasyParkPlus.Workflows.Tests.Subscriptions;

[Collection(TimeSkippingCollection.Name)]
public sealed class SubscriptionRenewalWorkflowTests(TimeSkippingServer server)
{
    private static async Task<(WorkflowHandle<SubscriptionRenewal, SubscriptionResult> Handle, SubscriptionInput Input)> SubscribeAsync(
        WorkflowTestEnvironment env, string plan = SubscriptionPlans.BostonMonthly)
    {
        var input = new SubscriptionInput(Guid.NewGuid(), Guid.NewGuid(), plan, env.Time.GetUtcNow());
        var handle = await env.Client.StartWorkflowAsync((SubscriptionRenewal wf) => wf.RunAsync(input),
            new WorkflowOptions(SubscriptionWorkflowIds.ForSubscription(input.SubscriptionId), env.TaskQueue));
        await env.RunUntilIdleAsync();
        return (handle, input);
    }

    [Fact]
    public async Task RunAsync_FirstPeriod_ChargesThePlanPriceAndMarksTheSubscriptionActive()
    {
        var world = new FakeChargingWorld();
        await using var env = ChargingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await SubscribeAsync(env);

        var charge = Assert.Single(world.Payloads<SavedCardCharge>("charge"));
        Assert.Equal((25_000L, $"{handle.Id}/renewal-{input.AnchorAt:yyyy-MM}/attempt-0"), (charge.AmountCents, charge.IdempotencyKey));
        var view = world.Subscriptions[handle.Id];
        Assert.Equal((SubscriptionStatus.Active, "BOS", input.AnchorAt, input.AnchorAt.AddMonths(1)), (view.Status, view.FacilityCode, view.PeriodStart, view.PeriodEnd));
        var status = await handle.QueryAsync(wf => wf.Status);
        Assert.Equal((SubscriptionStatus.Active, 25_000L), (status.Status, status.PaidCents));
    }

    [Fact]
    public async Task RunAsync_FailingCard_RetriesOnDays1_3_5ThenSuspends()
    {
        var world = new FakeChargingWorld { CardDeclines = true };
        await using var env = ChargingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await SubscribeAsync(env);
        Assert.Equal(SubscriptionStatus.PastDue, world.Subscriptions[handle.Id].Status);

        await env.SkipTimeAsync(TimeSpan.FromDays(4));
        Assert.Equal(SubscriptionStatus.PastDue, (await handle.QueryAsync(wf => wf.Status)).Status);
        await env.SkipTimeAsync(TimeSpan.FromDays(2));

        var due = input.AnchorAt;
        world.TimesOf("charge").ShouldBeAt(due, due.AddDays(1), due.AddDays(3), due.AddDays(5));
        Assert.Equal(4, world.Payloads<SavedCardCharge>("charge").Select(c => c.IdempotencyKey).Distinct().Count());
        var statuses = world.Payloads<SubscriptionUpdate>("subscription").Select(u => u.Status).ToList();
        Assert.Equal([SubscriptionStatus.PastDue, SubscriptionStatus.PastDue, SubscriptionStatus.PastDue, SubscriptionStatus.Suspended], statuses);
        Assert.Equal(SubscriptionStatus.Suspended, world.Subscriptions[handle.Id].Status);
        Assert.Equal(SubscriptionStatus.Suspended, (await handle.QueryAsync(wf => wf.Status)).Status);
    }

    [Fact]
    public async Task RunAsync_SuspendedThenCardUpdated_ChargesAtOnceAndResumes()
    {
        var world = new FakeChargingWorld { CardDeclines = true };
        await using var env = ChargingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await SubscribeAsync(env);
        await env.SkipTimeAsync(TimeSpan.FromDays(8));
        Assert.Equal(SubscriptionStatus.Suspended, world.Subscriptions[handle.Id].Status);

        world.CardDeclines = false;
        await handle.SignalAsync(wf => wf.PaymentMethodUpdatedAsync(new PaymentMethodUpdated("new card")));
        await env.RunUntilIdleAsync();

        world.TimesOf("charge")[^1].ShouldBeAt(input.AnchorAt.AddDays(8));
        Assert.Equal(SubscriptionStatus.Active, world.Subscriptions[handle.Id].Status);
        Assert.Equal((SubscriptionStatus.Active, 25_000L), ((await handle.QueryAsync(wf => wf.Status)).Status, (await handle.QueryAsync(wf => wf.Status)).PaidCents));
    }

    [Fact]
    public async Task RunAsync_PastDueThenCardUpdated_RetriesBeforeTheNextScheduledDay()
    {
        var world = new FakeChargingWorld { CardDeclines = true };
        await using var env = ChargingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await SubscribeAsync(env);
        await env.SkipTimeAsync(TimeSpan.FromDays(2));

        world.CardDeclines = false;
        await handle.SignalAsync(wf => wf.PaymentMethodUpdatedAsync(new PaymentMethodUpdated()));
        await env.RunUntilIdleAsync();

        world.TimesOf("charge").ShouldBeAt(input.AnchorAt, input.AnchorAt.AddDays(1), input.AnchorAt.AddDays(2));
        Assert.Equal(SubscriptionStatus.Active, world.Subscriptions[handle.Id].Status);
    }

    [Fact]
    public async Task RunAsync_Cancelled_RunsToThePeriodEndThenEndsWithoutCharging()
    {
        var world = new FakeChargingWorld();
        await using var env = ChargingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await SubscribeAsync(env);
        await env.SkipTimeAsync(TimeSpan.FromDays(10));

        await handle.SignalAsync(wf => wf.CancelAsync(new CancelSubscription("moving")));
        await env.RunUntilIdleAsync();
        Assert.Equal(SubscriptionStatus.Active, world.Subscriptions[handle.Id].Status);
        Assert.True((await handle.QueryAsync(wf => wf.Status)).CancelAtPeriodEnd);

        var result = await handle.GetResultAsync();

        Assert.Equal(SubscriptionStatus.Cancelled, result.Status);
        result.EndedAt.ShouldBeAt(input.AnchorAt.AddMonths(1));
        Assert.Single(world.Payloads<SavedCardCharge>("charge"));
        var view = world.Subscriptions[handle.Id];
        Assert.Equal(SubscriptionStatus.Cancelled, view.Status);
        view.CancelledAt.ShouldBeAt(input.AnchorAt.AddMonths(1));
    }

    [Fact]
    public async Task RunAsync_ChangePlan_TakesEffectAtTheNextPeriod()
    {
        var world = new FakeChargingWorld();
        await using var env = ChargingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await SubscribeAsync(env);
        await env.SkipTimeAsync(TimeSpan.FromDays(3));

        await handle.SignalAsync(wf => wf.ChangePlanAsync(new ChangePlan(SubscriptionPlans.AllFacilitiesMonthly)));
        await env.RunUntilIdleAsync();
        Assert.Single(world.Payloads<SavedCardCharge>("charge"));
        Assert.Equal((SubscriptionPlans.BostonMonthly, SubscriptionPlans.AllFacilitiesMonthly),
            ((await handle.QueryAsync(wf => wf.Status)).PlanCode, (await handle.QueryAsync(wf => wf.Status)).NextPlanCode));

        await env.SkipTimeAsync(input.AnchorAt.AddMonths(1) - env.Time.GetUtcNow() + TimeSpan.FromMinutes(1));

        Assert.Equal([25_000L, 40_000L], world.Payloads<SavedCardCharge>("charge").Select(c => c.AmountCents));
        world.TimesOf("charge")[1].ShouldBeAt(input.AnchorAt.AddMonths(1));
        var view = world.Subscriptions[handle.Id];
        Assert.Equal((SubscriptionPlans.AllFacilitiesMonthly, (string?)null), (view.PlanCode, view.FacilityCode));
    }

    [Fact]
    public async Task RunAsync_AYearOfRenewals_RunsInUnderASecondOfWallTime()
    {
        var world = new FakeChargingWorld();
        await using var env = ChargingSessionWorkflowTests.CreateEnvironment(server, world);
        var clock = Stopwatch.StartNew();
        var (handle, input) = await SubscribeAsync(env);
        await env.SkipTimeAsync(TimeSpan.FromDays(32));
        var month = clock.Elapsed;
        await env.SkipTimeAsync(input.AnchorAt.AddMonths(12) - env.Time.GetUtcNow() - TimeSpan.FromMinutes(1));
        var year = clock.Elapsed;

        world.TimesOf("charge").ShouldBeAt([.. Enumerable.Range(0, 12).Select(i => input.AnchorAt.AddMonths(i))]);
        Assert.Equal(12, world.Payloads<SavedCardCharge>("charge").Select(c => c.IdempotencyKey).Distinct().Count());
        Assert.Equal(11, (await handle.QueryAsync(wf => wf.Status)).PeriodIndex);
        Assert.True(month < TimeSpan.FromSeconds(1), $"A month took {month}.");
        Assert.True(year < TimeSpan.FromSeconds(1), $"A year took {year}.");
    }
}
