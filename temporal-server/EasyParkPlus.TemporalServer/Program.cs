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
await app.WaitForShutdownAsync();
return 0;
