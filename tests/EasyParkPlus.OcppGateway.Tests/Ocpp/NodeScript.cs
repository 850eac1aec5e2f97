using System.Diagnostics;
using System.Text.Json;
using EasyParkPlus.TestSupport;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// Runs a script from the node/ folder (NodeTools.Folder) to its end and returns its JSON lines.
public static class NodeScript
{
    public static string Folder => NodeTools.Folder;

    public static Task<(int ExitCode, List<JsonElement> Lines, string Errors)> RunAsync(string script, params string[] args)
        => RunWithInputAsync(script, null, args);

    public static async Task<(int ExitCode, List<JsonElement> Lines, string Errors)> RunWithInputAsync(string script, string? input, params string[] args)
    {
        NodeTools.RequirePackage("ocpp-rpc");
        var start = new ProcessStartInfo("node") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(limit.Token);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        return (process.ExitCode, lines, await stderr);
    }
}
