using System.Diagnostics;

namespace EasyParkPlus.Api.Tests;

/// <summary>The developer script: `./easypark run` reports its build project by project instead of minutes of silence.</summary>
public sealed class EasyparkScriptTests
{
    // What `dotnet build -v minimal` prints (restore, then one "Project -> output" line per project built).
    private const string BuildOutput = """
          Determining projects to restore...
          All projects are up-to-date for restore.
          EasyParkPlus.Domain -> /repo/workflows/EasyParkPlus.Domain/bin/Release/net10.0/EasyParkPlus.Domain.dll
          EasyParkPlus.Workflows -> /repo/workflows/EasyParkPlus.Workflows/bin/Release/net10.0/EasyParkPlus.Workflows.dll
        /repo/api/Program.cs(3,1): warning CS0168: unused
          EasyParkPlus.Api -> /repo/api/EasyParkPlus.Api/bin/Release/net10.0/EasyParkPlus.Api.dll
        """;

    [Fact]
    public async Task BuildProgress_MsBuildOutput_OneLinePerProjectBuiltWithCountAndTotal()
    {
        var (exitCode, output) = await RunScriptFunctionAsync("build_progress 3", BuildOutput);

        exitCode.Should().Be(0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\e\[[0-9;]*m", "")).ToList();
        lines.Should().Contain(l => l.Contains("restoring packages", StringComparison.Ordinal));
        lines.Where(l => l.Contains("built ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("built ", StringComparison.Ordinal) + 6)..].Split(" (")[0])
            .Should().Equal("1/3 EasyParkPlus.Domain", "2/3 EasyParkPlus.Workflows", "3/3 EasyParkPlus.Api");
    }

    // Sources ./easypark (which then only defines its functions) and runs one of them with `input` on stdin.
    private static async Task<(int ExitCode, string Output)> RunScriptFunctionAsync(string command, string input)
    {
        var script = Path.Combine(RepositoryRoot(), "easypark");
        var start = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source '{script}' && {command}");
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "easypark")) && File.Exists(Path.Combine(dir.FullName, "EasyParkPlus.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("The repository root (with ./easypark) was not found above " + AppContext.BaseDirectory);
    }
}
