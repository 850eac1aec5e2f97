using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace EasyParkPlus.Engine.Analyzers;

/// <summary>
/// Flags code inside [Workflow] classes that would make a replay differ from the first run: wall-clock time,
/// randomness, work that escapes the workflow's scheduler, and I/O. Workflow code must use Workflow.* instead and
/// leave side effects to activities.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkflowDeterminismAnalyzer : DiagnosticAnalyzer
{
    private const string Category = "Determinism";

    public static readonly DiagnosticDescriptor NondeterministicValue = new(
        "EPW001", "Non-deterministic value in workflow code",
        "'{0}' differs on every replay; use {1} inside workflows",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "Workflow code is replayed from history, so it may only read time, randomness and identifiers through Workflow.*.");

    public static readonly DiagnosticDescriptor EscapesScheduler = new(
        "EPW002", "Work escapes the workflow scheduler",
        "'{0}' runs or completes outside the workflow's scheduler; use {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "Threads, the thread pool, real timers and ConfigureAwait(false) make the order of continuations depend on timing, which replay cannot reproduce.");

    public static readonly DiagnosticDescriptor PerformsIo = new(
        "EPW003", "I/O in workflow code",
        "'{0}' performs I/O; move it into an activity",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "Workflow code is replayed, so its side effects would repeat; activities do I/O, retried under a policy.");

    private static readonly ImmutableDictionary<string, string> ValueMembers = new (string, string)[]
    {
        ("System.DateTime.Now", "Workflow.UtcNow"),
        ("System.DateTime.UtcNow", "Workflow.UtcNow"),
        ("System.DateTime.Today", "Workflow.UtcNow"),
        ("System.DateTimeOffset.Now", "Workflow.UtcNow"),
        ("System.DateTimeOffset.UtcNow", "Workflow.UtcNow"),
        ("System.TimeProvider.System", "Workflow.UtcNow"),
        ("System.Environment.TickCount", "Workflow.UtcNow"),
        ("System.Environment.TickCount64", "Workflow.UtcNow"),
        ("System.Diagnostics.Stopwatch.StartNew", "Workflow.UtcNow"),
        ("System.Diagnostics.Stopwatch.GetTimestamp", "Workflow.UtcNow"),
        ("System.Diagnostics.Stopwatch.GetElapsedTime", "Workflow.UtcNow"),
        ("System.Guid.NewGuid", "Workflow.NewGuid()"),
        ("System.Random.Shared", "Workflow.Random"),
        ("System.Security.Cryptography.RandomNumberGenerator.GetBytes", "Workflow.Random"),
        ("System.Security.Cryptography.RandomNumberGenerator.GetInt32", "Workflow.Random"),
    }.ToImmutableDictionary(p => p.Item1, p => p.Item2);

    private static readonly ImmutableDictionary<string, string> SchedulerMembers = new (string, string)[]
    {
        ("System.Threading.Tasks.Task.Run", "an activity for the work"),
        ("System.Threading.Tasks.Task.Delay", "Workflow.DelayAsync"),
        ("System.Threading.Tasks.Task.WhenAll", "Workflow.WhenAllAsync"),
        ("System.Threading.Tasks.Task.WhenAny", "Workflow.WhenAnyAsync"),
        ("System.Threading.Tasks.Task.Wait", "await"),
        ("System.Threading.Tasks.Task.WaitAll", "Workflow.WhenAllAsync"),
        ("System.Threading.Tasks.Task.WaitAny", "Workflow.WhenAnyAsync"),
        ("System.Threading.Tasks.Task`1.Result", "await"),
        ("System.Threading.Tasks.TaskFactory.StartNew", "an activity for the work"),
        ("System.Threading.Thread.Sleep", "Workflow.DelayAsync"),
        ("System.Threading.ThreadPool.QueueUserWorkItem", "an activity for the work"),
        ("System.Threading.ThreadPool.UnsafeQueueUserWorkItem", "an activity for the work"),
        ("System.Threading.Tasks.Parallel.For", "an activity for the work"),
        ("System.Threading.Tasks.Parallel.ForEach", "an activity for the work"),
        ("System.Threading.Tasks.Parallel.ForEachAsync", "an activity for the work"),
        ("System.Threading.Tasks.Parallel.Invoke", "an activity for the work"),
        ("System.Threading.CancellationTokenSource.CancelAfter", "Workflow.DelayAsync with a token"),
    }.ToImmutableDictionary(p => p.Item1, p => p.Item2);

    private static readonly ImmutableDictionary<string, string> SchedulerTypes = new (string, string)[]
    {
        ("System.Threading.Thread", "Workflow.* and activities"),
        ("System.Threading.Timer", "Workflow.DelayAsync"),
        ("System.Timers.Timer", "Workflow.DelayAsync"),
        ("System.Diagnostics.Stopwatch", "Workflow.UtcNow"),
        ("System.Random", "Workflow.Random"),
    }.ToImmutableDictionary(p => p.Item1, p => p.Item2);

    private static readonly ImmutableArray<string> IoNamespaces = ImmutableArray.Create(
        "System.IO", "System.Net", "System.Data", "Npgsql", "Microsoft.EntityFrameworkCore", "StackExchange.Redis");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(NondeterministicValue, EscapesScheduler, PerformsIo);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var workflowAttribute = start.Compilation.GetTypeByMetadataName("EasyParkPlus.Engine.WorkflowAttribute");
            if (workflowAttribute is null)
            {
                return;
            }
            start.RegisterOperationAction(c => Analyze(c, workflowAttribute),
                OperationKind.Invocation, OperationKind.PropertyReference, OperationKind.ObjectCreation, OperationKind.FieldReference);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol workflowAttribute)
    {
        if (!InsideWorkflow(context.ContainingSymbol, workflowAttribute))
        {
            return;
        }
        ISymbol? target = context.Operation switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IPropertyReferenceOperation property => property.Property,
            IFieldReferenceOperation field => field.Field,
            IObjectCreationOperation creation => creation.Type,
            _ => null,
        };
        if (target is null)
        {
            return;
        }
        var location = context.Operation.Syntax.GetLocation();
        var display = target is ITypeSymbol ? target.ToDisplayString() : $"{target.ContainingType?.ToDisplayString()}.{target.Name}";

        if (context.Operation is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure
            && configure.Arguments.FirstOrDefault()?.Value.ConstantValue is { HasValue: true, Value: false })
        {
            context.ReportDiagnostic(Diagnostic.Create(EscapesScheduler, location, "ConfigureAwait(false)", "a plain await"));
            return;
        }

        var key = target is ITypeSymbol type ? MetadataName(type) : $"{MetadataName(target.ContainingType)}.{target.Name}";
        if (ValueMembers.TryGetValue(key, out var valueHint))
        {
            context.ReportDiagnostic(Diagnostic.Create(NondeterministicValue, location, display, valueHint));
        }
        else if (SchedulerMembers.TryGetValue(key, out var schedulerHint))
        {
            context.ReportDiagnostic(Diagnostic.Create(EscapesScheduler, location, display, schedulerHint));
        }
        else if (context.Operation is IObjectCreationOperation && target is ITypeSymbol created && SchedulerTypes.TryGetValue(MetadataName(created), out var typeHint))
        {
            var descriptor = MetadataName(created) is "System.Random" or "System.Diagnostics.Stopwatch" ? NondeterministicValue : EscapesScheduler;
            context.ReportDiagnostic(Diagnostic.Create(descriptor, location, display, typeHint));
        }
        else if (IsIo(target))
        {
            context.ReportDiagnostic(Diagnostic.Create(PerformsIo, location, display));
        }
    }

    private static bool InsideWorkflow(ISymbol? symbol, INamedTypeSymbol workflowAttribute)
    {
        for (var type = symbol as INamedTypeSymbol ?? symbol?.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, workflowAttribute)))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsIo(ISymbol target)
    {
        var type = target as ITypeSymbol ?? target.ContainingType;
        var ns = type?.ContainingNamespace?.ToDisplayString() ?? "";
        if (MetadataName(type) == "System.IO.Path")
        {
            return false;
        }
        return IoNamespaces.Any(io => ns == io || ns.StartsWith(io + ".", System.StringComparison.Ordinal));
    }

    private static string MetadataName(ITypeSymbol? type) =>
        type is null ? "" : type.ContainingNamespace is { IsGlobalNamespace: false } ns ? $"{ns.ToDisplayString()}.{type.MetadataName}" : type.MetadataName;
}
