using System.Collections.Immutable;
using EasyParkPlus.Engine.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EasyParkPlus.Engine.Tests.Analyzers;

public sealed class WorkflowDeterminismAnalyzerTests
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(Workflow).Assembly.Location))]);

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string body, string usings = "")
    {
        var source = $$"""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using EasyParkPlus.Engine;
            {{usings}}

            [Workflow]
            public sealed class Subject
            {
                [WorkflowRun]
                public async Task RunAsync()
                {
                    {{body}}
                    await Task.CompletedTask;
                }
            }

            public sealed class NotAWorkflow
            {
                public DateTime Now() => DateTime.UtcNow;
            }
            """;
        var compilation = CSharpCompilation.Create("Subject", [CSharpSyntaxTree.ParseText(source)], References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return await compilation.WithAnalyzers([new WorkflowDeterminismAnalyzer()]).GetAnalyzerDiagnosticsAsync();
    }

    [Theory]
    [InlineData("var t = DateTime.UtcNow;", "EPW001")]
    [InlineData("var t = DateTimeOffset.Now;", "EPW001")]
    [InlineData("var g = Guid.NewGuid();", "EPW001")]
    [InlineData("var r = new Random().Next();", "EPW001")]
    [InlineData("var s = System.Diagnostics.Stopwatch.StartNew();", "EPW001")]
    [InlineData("await Task.Delay(1000);", "EPW002")]
    [InlineData("await Task.Run(() => 1);", "EPW002")]
    [InlineData("await Task.WhenAll(Task.CompletedTask);", "EPW002")]
    [InlineData("await Task.CompletedTask.ConfigureAwait(false);", "EPW002")]
    [InlineData("Thread.Sleep(10);", "EPW002")]
    [InlineData("var thread = new Thread(() => { });", "EPW002")]
    [InlineData("var x = Task.FromResult(1).Result;", "EPW002")]
    [InlineData("var text = System.IO.File.ReadAllText(\"x\");", "EPW003")]
    [InlineData("using var http = new System.Net.Http.HttpClient();", "EPW003")]
    public async Task WorkflowCode_UsingNondeterministicApi_IsFlagged(string statement, string expected)
    {
        var diagnostics = await AnalyzeAsync(statement);

        Assert.Contains(diagnostics, d => d.Id == expected);
    }

    [Theory]
    [InlineData("var t = Workflow.UtcNow;")]
    [InlineData("var g = Workflow.NewGuid();")]
    [InlineData("await Workflow.DelayAsync(TimeSpan.FromMinutes(1));")]
    [InlineData("var p = System.IO.Path.Combine(\"a\", \"b\");")]
    [InlineData("await Workflow.WhenAllAsync(Task.CompletedTask);")]
    public async Task WorkflowCode_UsingWorkflowApis_IsClean(string statement)
    {
        var diagnostics = await AnalyzeAsync(statement);

        Assert.Empty(diagnostics);
    }
}
