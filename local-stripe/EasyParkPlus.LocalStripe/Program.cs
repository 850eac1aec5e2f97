using System.Runtime.InteropServices;

namespace EasyParkPlus.LocalStripe;

/// <summary>
/// The stand-in as a program, for <c>./easypark run</c>: serves it on a loopback port until SIGTERM or Ctrl-C and prints
/// <c>STRIPE_URL=...</c> and <c>STRIPE_API_KEY=...</c> once it listens. (Not a top-level program: the test projects
/// that reference this one already see the api's and the gateway's <c>Program</c>.)
/// </summary>
internal static class LocalStripeProgram
{
    public static async Task Main()
    {
        await using var standIn = await StripeStandIn.StartAsync();
        Console.WriteLine($"STRIPE_URL={standIn.BaseUrl}");
        Console.WriteLine($"STRIPE_API_KEY={StripeStandIn.ApiKey}");
        using var stop = new CancellationTokenSource();
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
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
    }
}
