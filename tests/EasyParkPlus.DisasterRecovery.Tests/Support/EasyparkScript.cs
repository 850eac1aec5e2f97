using System.Diagnostics;
using System.Text;

namespace EasyParkPlus.DisasterRecovery.Tests.Support;

/// <summary>What <c>./easypark</c> printed: its stdout (KEY=value lines for machines) and stderr (its log).</summary>
public sealed record ScriptResult(int ExitCode, string Output, string Log)
{
    /// <summary>The value of a <c>KEY=value</c> line on stdout.</summary>
    public string Value(string key) =>
        Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..]
        ?? throw new InvalidOperationException($"./easypark printed no {key}=...:\n{Output}\n{Log}");
}

/// <summary>Runs the repository's <c>./easypark</c> script, the operator's tool, with extra environment variables.</summary>
public static class EasyparkScript
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static async Task<ScriptResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot, "easypark"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // Whatever the developer's shell points at (another database or port) must not leak into the drill.
        foreach (var inherited in new[] { "EASYPARK_POSTGRES", "EASYPARK_PG_PORT", "EASYPARK_PG_DIR", "EASYPARK_BACKUP_DIR", "EASYPARK_BACKUP_KEEP", "EASYPARK_ARCHIVE_TIMEOUT" })
        {
            info.Environment.Remove(inherited);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var log = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"./easypark {string.Join(' ', args)} ran over 5 minutes:\n{await log}");
        }
        return new ScriptResult(process.ExitCode, await output, StripColours(await log));
    }

    public static async Task<ScriptResult> RunOrThrowAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var result = await RunAsync(environment, args);
        return result.ExitCode == 0 ? result
            : throw new InvalidOperationException($"./easypark {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.Output}\n{result.Log}");
    }

    private static string StripColours(string text)
    {
        var plain = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\u001b')
            {
                while (i < text.Length && text[i] != 'm')
                {
                    i++;
                }
                continue;
            }
            plain.Append(text[i]);
        }
        return plain.ToString();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EasyParkPlus.sln")) && File.Exists(Path.Combine(dir.FullName, "easypark")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"The repository root (with ./easypark) is not above {AppContext.BaseDirectory}.");
    }
}
