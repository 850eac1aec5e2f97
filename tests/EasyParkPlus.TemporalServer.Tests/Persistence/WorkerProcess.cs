using System.Diagnostics;
using EasyParkPlus.TestSupport;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>An official-SDK worker as its own OS process (the bench tool's <c>temporal-worker</c> mode).</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public static async Task<WorkerProcess> StartAsync(string address, string queue, string name, string effectsConnectionString)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ServiceProcess.BuiltAssembly("bench/EasyParkPlus.Bench"));
        foreach (var argument in new[] { "temporal-worker", "--address", address, "--queue", queue, "--name", name, "--effects", effectsConnectionString })
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the worker process");
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var worker = new WorkerProcess(process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "ready")
            {
                return worker;
            }
        }
        await worker.DisposeAsync();
        lock (errors)
        {
            throw new InvalidOperationException($"worker {name} exited before it was ready: {errors}");
        }
    }

    /// <summary>SIGKILL, as a crash.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
