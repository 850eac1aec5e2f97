using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Xunit;

namespace EasyParkPlus.TestSupport;

/// <summary>
/// The npm tools the tests drive (ocpp-rpc, the OCPP schemas): one folder, tests/EasyParkPlus.OcppGateway.Tests/node,
/// installed by <c>./easypark test</c>, which runs npm install next to every package.json under tests/.
/// </summary>
public static class NodeTools
{
    private const string Relative = "EasyParkPlus.OcppGateway.Tests/node";

    /// <summary>Found by walking up from the test binaries to the tests/ folder, so every test project can use it.</summary>
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, Relative);
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }
            throw new InvalidOperationException($"tests/{Relative} not found above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>Fails the test with a clear message when npm install has not run in <see cref="Folder"/>.</summary>
    public static void RequirePackage(string package) =>
        Assert.True(Directory.Exists(Path.Combine(Folder, "node_modules", package)), $"Run npm install in tests/{Relative} (./easypark test does).");
}

/// <summary>
/// A node script from <see cref="NodeTools.Folder"/> run as a conversation: it prints one JSON object per line
/// (<c>{"step": ...}</c>) and, at a checkpoint, waits for a line on its stdin. The test reads the steps as they come,
/// does its part (calls the api, moves the clock, checks the database) and lets the script go on with <see cref="ContinueAsync"/>.
/// </summary>
public sealed class NodeConversation : IAsyncDisposable
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<JsonElement> _steps = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _seen = [];
    private readonly Task<string> _errors;
    private readonly Task _reader;

    private NodeConversation(Process process)
    {
        _process = process;
        _errors = process.StandardError.ReadToEndAsync();
        _reader = Task.Run(ReadStepsAsync);
    }

    /// <summary>Every step read so far, in order.</summary>
    public IReadOnlyList<JsonElement> Seen => _seen;

    public static NodeConversation Start(string script, params string[] args)
    {
        NodeTools.RequirePackage("ocpp-rpc");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NodeTools.Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return new NodeConversation(Process.Start(start) ?? throw new InvalidOperationException("node did not start."));
    }

    /// <summary>The next step, which must be <paramref name="step"/>; a "failed" step or an early exit fails the test with the script's output.</summary>
    public async Task<JsonElement> NextAsync(string step)
    {
        JsonElement line;
        try
        {
            line = await _steps.Reader.ReadAsync().AsTask().WaitAsync(StepLimit);
        }
        catch (Exception ex) when (ex is ChannelClosedException or TimeoutException)
        {
            throw new InvalidOperationException($"The script gave no '{step}' step ({ex.GetType().Name}). {await TranscriptAsync()}", ex);
        }
        _seen.Add(line);
        var name = line.GetProperty("step").GetString();
        return name == step ? line : throw new InvalidOperationException($"Expected step '{step}', got '{name}'. {await TranscriptAsync()}");
    }

    /// <summary>Lets the script go on from the checkpoint it is waiting at.</summary>
    public Task ContinueAsync() => AnswerAsync("go");

    /// <summary>Lets the script go on from its checkpoint with <paramref name="line"/> as the answer (e.g. a new endpoint).</summary>
    public async Task AnswerAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the script to end and returns its exit code.</summary>
    public async Task<int> ExitAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync().WaitAsync(StepLimit);
        await _reader;
        return _process.ExitCode;
    }

    private async Task<string> TranscriptAsync()
    {
        var errors = _process.HasExited ? await _errors : "(still running)";
        var pending = new List<string>();
        while (_steps.Reader.TryRead(out var more))
        {
            pending.Add(more.ToString());
        }
        return $"Steps: {string.Join('\n', _seen.Select(s => s.ToString()).Concat(pending))}\nstderr: {errors}";
    }

    private async Task ReadStepsAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                await _steps.Writer.WriteAsync(JsonDocument.Parse(line).RootElement.Clone());
            }
        }
        _steps.Writer.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Only this script's own process: it is ours, started above.
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
