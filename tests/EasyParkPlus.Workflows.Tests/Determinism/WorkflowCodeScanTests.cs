using System.Text.RegularExpressions;

namespace EasyParkPlus.Workflows.Tests.Determinism;

/// <summary>
/// Workflow code must replay to the same commands (STYLE.md, practice 2). The project graph already keeps ASP.NET Core,
/// EF Core and Npgsql out of reach and the SDK's runtime checks catch some mistakes while a workflow runs; this scan
/// catches, before anything runs, the BCL calls that read the real clock, randomness, the environment or the network,
/// or schedule work outside the workflow's scheduler.
/// </summary>
public sealed partial class WorkflowCodeScanTests
{
    // Each with what to use instead.
    private static readonly (Regex Pattern, string Instead)[] Forbidden =
    [
        (new(@"\bDateTime(Offset)?\s*\.\s*(Utc)?Now\b"), "Workflow.UtcNow (WorkflowTime.Now)"),
        (new(@"\bTimeProvider\b"), "Workflow.UtcNow"),
        (new(@"\bStopwatch\b"), "Workflow.UtcNow"),
        (new(@"\bGuid\s*\.\s*NewGuid\b"), "Workflow.NewGuid()"),
        (new(@"\bnew\s+Random\b|\bRandom\s*\.\s*Shared\b"), "Workflow.Random"),
        (new(@"\bTask\s*\.\s*(Delay|Run|WhenAny|WhenAll)\b|\bThread\s*\.\s*Sleep\b|\bParallel\s*\."), "Workflow.DelayAsync / Workflow.WhenAnyAsync / Workflow.WhenAllAsync"),
        (new(@"\bConfigureAwait\s*\("), "plain await (the workflow's scheduler must resume it)"),
        (new(@"\bEnvironment\s*\.|\bFile\s*\.|\bDirectory\s*\.|\bHttpClient\b|\bSocket\b"), "an activity"),
    ];

    private static string WorkflowSources()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EasyParkPlus.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("EasyParkPlus.sln not found"), "workflows", "EasyParkPlus.Workflows");
    }

    public static IEnumerable<string> Violations(string source)
    {
        var code = CommentOrString().Replace(source, "");
        return Forbidden.Where(f => f.Pattern.IsMatch(code)).Select(f => $"{f.Pattern.Match(code).Value.Trim()} (use {f.Instead})");
    }

    [Fact]
    public void Scan_EveryWorkflowFile_CallsNothingNondeterministic()
    {
        var files = Directory.GetFiles(WorkflowSources(), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();

        files.Should().Contain(f => f.EndsWith("ParkingSession.workflow.cs", StringComparison.Ordinal));
        files.SelectMany(f => Violations(File.ReadAllText(f)).Select(v => $"{Path.GetFileName(f)}: {v}")).Should().BeEmpty();
    }

    [Theory]
    [InlineData("var at = DateTimeOffset.UtcNow;")]
    [InlineData("var id = Guid.NewGuid();")]
    [InlineData("await Task.Delay(1000);")]
    [InlineData("var roll = new Random().Next();")]
    [InlineData("await client.GetAsync(url).ConfigureAwait(false);")]
    [InlineData("var key = Environment.GetEnvironmentVariable(\"X\");")]
    public void Violations_ForbiddenCall_IsFound(string line) => Violations($"class W {{ void M() {{ {line} }} }}").Should().NotBeEmpty();

    [Theory]
    [InlineData("var at = WorkflowTime.Now; var id = Workflow.NewGuid();")]
    [InlineData("// not DateTime.Now: comments do not count")]
    [InlineData("var text = \"Task.Delay is in a string\";")]
    public void Violations_DeterministicCode_IsClean(string line) => Violations($"class W {{ void M() {{ {line} }} }}").Should().BeEmpty();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|""(?:[^""\\\n]|\\.)*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();
}
