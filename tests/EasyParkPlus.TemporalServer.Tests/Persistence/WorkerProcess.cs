using System.Diagnostics;
using System.Text;
using EasyParkPlus.TestSupport;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>
/// An official-SDK worker as its own OS process (the bench tool's <c>temporal-worker</c> mode). Both output streams are
/// read for the whole life of the process: the SDK's core logs its retry warnings to stdout, and a pipe nobody reads
/// fills at 64 KiB and then blocks the worker's poll threads mid-write, which stalled the crash test in CI.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private const int TailCharacters = 4000;
    private readonly Process _process;
    private readonly StringBuilder _tail = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process) => _process = process;

    /// <summary>The last few thousand characters the worker printed, for failure messages.</summary>
    public string OutputTail
    {
        get
        {
            lock (_tail)
            {
                return _tail.ToString();
            }
        }
    }

    public static async Task<WorkerProcess> StartAsync(string address, string queue, string name, string effectsConnectionString)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ServiceProcess.BuiltAssembly("bench/EasyParkPlus.Bench"));
        foreach (var argument in new[] { "temporal-worker", "--address", address, "--queue", queue, "--name", name, "--effects", effectsConnectionString })
        {
            info.ArgumentList.Add(argument);
        }
        var worker = new WorkerProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the worker process"));
        worker._process.OutputDataReceived += (_, e) => worker.Record(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker.Record(e.Data);
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exited = worker._process.WaitForExitAsync(startup.Token);
        if (await Task.WhenAny(worker._ready.Task, exited) == worker._ready.Task)
        {
            return worker;
        }
        await worker.DisposeAsync();
        throw new InvalidOperationException($"worker {name} was not ready within a minute or exited: {worker.OutputTail}");
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (line == "ready")
        {
            _ready.TrySetResult();
        }
        lock (_tail)
        {
            _tail.AppendLine(line);
            if (_tail.Length > TailCharacters)
            {
                _tail.Remove(0, _tail.Length - TailCharacters);
            }
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
