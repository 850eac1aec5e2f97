using EasyParkPlus.TestSupport.Stripe;

namespace EasyParkPlus.Bench.Sandbox;

/// <summary>
/// `stripe-sandbox`: serves the tests' Stripe stand-in on a loopback port until stopped, so `./easypark run` works
/// offline with Stripe's test cards (pm_card_visa, pm_card_chargeDeclined, ...) and never moves real money.
/// Prints "STRIPE_URL=..." once it listens.
/// </summary>
internal static class StripeSandbox
{
    public static async Task<int> RunAsync()
    {
        await using var standIn = await StripeStandIn.StartAsync();
        Console.WriteLine($"STRIPE_URL={standIn.BaseUrl}");
        Console.WriteLine($"STRIPE_API_KEY={StripeStandIn.ApiKey}");
        using var stop = new CancellationTokenSource();
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }
}
