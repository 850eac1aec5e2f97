using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace EasyParkPlus.Bench.TemporalServer;

/// <summary>
/// Signal to reaction across processes, the gateway's path: `temporal ... --signals 2000 --signal-rate 200
/// [--load-rate 0]`. A worker runs as its own process; this process starts <c>signals</c> workflows that wait for one
/// signal, lets them settle, then sends the signals at <c>signal-rate</c> per second while background starters run
/// three-activity workflows on the same worker (flat out, or paced to <c>load-rate</c> per second). Reaction is the
/// time from the signal call to the workflow's completion as the server stamped it (same machine, same clock).
/// </summary>
internal static class SignalBenchmark
{
    private const string Queue = "bench-remote";

    public static async Task RunAsync(TemporalClient client, string address, string command, int signals, int rate, int loadRate)
    {
        using var worker = await StartWorkerAsync(address);
        try
        {
            var run = $"signal-{Guid.NewGuid():N}";
            var ids = Enumerable.Range(0, signals).Select(i => $"{run}-{i}").ToArray();
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, _) =>
                await client.StartWorkflowAsync((SignalReactionWorkflow wf) => wf.RunAsync(), new(id, Queue)));
            await SettleAsync(client, ids);

            using var stopBackground = new CancellationTokenSource();
            var backgroundDone = 0;
            var background = RunBackgroundAsync(client, loadRate, () => Interlocked.Increment(ref backgroundDone), stopBackground.Token);

            var sentAt = new DateTime[signals];
            var callMs = new ConcurrentBag<double>();
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, signals), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
            {
                // Paced by schedule, not by completion: a slow call does not hold back the next signal.
                var due = TimeSpan.FromSeconds(i / (double)rate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, ct);
                }
                sentAt[i] = DateTime.UtcNow;
                var started = Stopwatch.GetTimestamp();
                await client.GetWorkflowHandle(ids[i]).SignalAsync((SignalReactionWorkflow wf) => wf.PingAsync());
                callMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            });
            var sendSeconds = clock.Elapsed.TotalSeconds;
            var backgroundDuringSignals = Volatile.Read(ref backgroundDone);
            await stopBackground.CancelAsync();
            await background;

            var reactions = new List<double>(signals);
            await Parallel.ForEachAsync(Enumerable.Range(0, signals), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            {
                var handle = client.GetWorkflowHandle(ids[i]);
                await handle.GetResultAsync();
                var closed = (await handle.DescribeAsync()).CloseTime ?? throw new InvalidOperationException($"{ids[i]} has no close time");
                lock (reactions)
                {
                    reactions.Add((closed - sentAt[i]).TotalMilliseconds);
                }
            });
            var calls = callMs.ToList();
            Console.WriteLine($"[{command}] [load {Machine.Load()}] signals from another process than the worker: {signals} at {signals / sendSeconds:0}/s; "
                + $"signal to completion p50 {Statistics.Percentile(reactions, 0.50):0.0} ms, p99 {Statistics.Percentile(reactions, 0.99):0.0} ms, max {reactions.Max():0} ms; "
                + $"signal call p50 {Statistics.Percentile(calls, 0.50):0.0} ms, p99 {Statistics.Percentile(calls, 0.99):0.0} ms; "
                + $"background three-activity workflows meanwhile {backgroundDuringSignals / sendSeconds:0}/s ({(loadRate > 0 ? $"paced to {loadRate}/s" : "flat out, 16 starters")})");
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }

    // Every waiting workflow has run its first workflow task, so a signal meets an idle workflow.
    private static async Task SettleAsync(TemporalClient client, string[] ids)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            var request = new DescribeWorkflowExecutionRequest { Namespace = client.Options.Namespace, Execution = new() { WorkflowId = id } };
            while ((await client.WorkflowService.DescribeWorkflowExecutionAsync(request)).PendingWorkflowTask is not null)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new TimeoutException($"{id} still has a workflow task pending after 5 minutes");
                }
                await Task.Delay(50);
            }
        }
    }

    private static Task RunBackgroundAsync(TemporalClient client, int loadRate, Action completed, CancellationToken stop)
    {
        var starters = 16;
        var clock = Stopwatch.StartNew();
        var next = -1L;
        return Task.WhenAll(Enumerable.Range(0, starters).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (loadRate > 0 && TimeSpan.FromSeconds(i / (double)loadRate) - clock.Elapsed is { } due && due > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(due, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
                var id = $"background-{Guid.NewGuid():N}";
                await client.ExecuteWorkflowAsync((ThreeActivityWorkflow wf) => wf.RunAsync(id), new(id, Queue));
                completed();
            }
        }));
    }

    // This tool's own `temporal-worker` command, as a child process; returns once it says "ready".
    private static async Task<Process> StartWorkerAsync(string address)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Assembly.GetEntryAssembly()!.Location, "temporal-worker", "--address", address, "--queue", Queue, "--name", "remote",
                     "--workflow-slots", "200", "--activity-slots", "200" })
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the worker process");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Both streams are read for the worker's life: the SDK's core logs to stdout, and a full pipe would stall it.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return process;
    }
}
