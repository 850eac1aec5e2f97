using EasyParkPlus.TemporalServer;
using EasyParkPlus.TemporalServer.Cli;

ServerOptions options;
try
{
    options = ServerCommandLine.Parse(args);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync($"{e.Message}\n{ServerCommandLine.Usage}");
    return 2;
}

WebApplication app;
try
{
    app = ServerHosting.Build(options);
}
catch (InvalidOperationException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}
var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EasyParkPlus.TemporalServer");
foreach (var argument in options.Ignored)
{
    Log.UnknownArgument(logger, argument);
}
await ServerHosting.InitializeAsync(app.Services, CancellationToken.None);
await app.StartAsync();
Log.Listening(logger, $"{options.Ip}:{options.Port}", options.TimeSkipping ? "time-skipping test server" : "dev server", string.Join(",", options.Namespaces));
await using var ui = options.WebUi is { } uiOptions ? await ServerHosting.StartWebUiAsync(app.Services, uiOptions) : null;
if (!options.TimeSkipping)
{
    // What Temporal's CLI prints on start, whatever the log level: where to point clients and browsers.
    Console.WriteLine($"Temporal server: {ServerHosting.Address(app)}");
    if (ui is not null)
    {
        Console.WriteLine($"Web UI: {ServerHosting.WebUiAddress(ui)}");
        if (options.WebUi!.ResolveAssets() is null)
        {
            Log.WebUiNotBuilt(logger);
        }
    }
}
await app.WaitForShutdownAsync();
return 0;
