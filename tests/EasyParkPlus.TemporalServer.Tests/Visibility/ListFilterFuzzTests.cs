using System.Diagnostics;
using System.Text;
using EasyParkPlus.TemporalServer.Visibility;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using static EasyParkPlus.TemporalServer.Tests.Visibility.VisibilityTestData;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

/// <summary>
/// Whatever a client sends as a list filter, page token or search attribute value, visibility answers
/// with its own argument error or a result: never another exception, never a hang, never a deep
/// recursion. Each input must finish well within a second.
/// </summary>
public class ListFilterFuzzTests
{
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Whole = TimeSpan.FromMinutes(3);

    private static readonly string[] Fragments =
    [
        "WorkflowId", "ExecutionStatus", "StartTime", "CloseTime", "ExecutionDuration", "CustomerId", "Tags", "Notes", "Attempts",
        "Score", "Vip", "DueAt", "`Space Name`", "`", "``", "'", "\"", "''", "\\", "\\'", "(", ")", ",", "=", "!=", "<>", "<", "<=",
        ">", ">=", "<=>", "!", "&&", "||", " AND ", " OR ", " NOT ", " IN ", " BETWEEN ", " IS ", " NULL ", " STARTS_WITH ", " LIKE ",
        " ORDER BY ", " GROUP BY ", " ASC", " DESC", " LIMIT ", "--", "/*", "*/", "#", "\n", " ", "  ", "0", "12", "-", "+", ".", "e",
        "1e309", "0x", "9223372036854775808", "'Running'", "'2026-12-07T10:00:00Z'", "'1h'", "'a'", "true", "false", "@", "_", ";",
        "\0", "\uD800", "\uDC00", "😀", "é", "\u202E", "\uFFFD", "%", "*", "?", "$1", ":v",
    ];

    private static readonly Gen<string> RandomQueries = Gen.OneOf(
        Gen.ListOf(Gen.Elements(Fragments)).Select(parts => string.Concat(parts)),
        ArbMap.Default.GeneratorFor<string>().Select(text => text ?? ""),
        Gen.ArrayOf(Gen.Choose(0, 0xFFFF).Select(c => (char)c)).Select(chars => new string(chars)));

    private static readonly Gen<string> MutatedQueries =
        from filter in VisibilityGenerators.Filter
        from orderBy in VisibilityGenerators.OrderBy
        from mutations in Gen.ListOf(Mutation, 3).Or(Gen.ListOf(Mutation, 1))
        select mutations.Aggregate(filter + orderBy, (query, mutate) => mutate(query));

    private static Gen<Func<string, string>> Mutation =>
        from kind in Gen.Choose(0, 5)
        from at in Gen.Choose(0, 10_000)
        from length in Gen.Choose(1, 12)
        from fragment in Gen.Elements(Fragments)
        select (Func<string, string>)(query =>
        {
            var position = query.Length == 0 ? 0 : at % query.Length;
            var span = Math.Min(length, query.Length - position);
            return kind switch
            {
                0 => query.Remove(position, span),
                1 => query.Insert(position, fragment),
                2 => query[..position],
                3 => query.Insert(position, query.Substring(position, span)),
                4 => query.Remove(position, span).Insert(position, fragment),
                _ => new string(query.Reverse().ToArray()),
            };
        });

    [Fact]
    public Task ForListAndForCount_RandomText_AnswerOrRefuseWithAListFilterError() =>
        Bounded(() => Check(RandomQueries, 3000));

    [Fact]
    public Task ForListAndForCount_MutatedValidQueries_AnswerOrRefuseWithAListFilterError() =>
        Bounded(() => Check(MutatedQueries, 2000));

    [Fact]
    public Task ForList_GeneratedQueries_AlwaysParseAndTranslate() =>
        Bounded(() => FsCheck.Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(1000),
            Prop.ForAll(Gen.Zip(VisibilityGenerators.Filter, VisibilityGenerators.OrderBy).ToArbitrary(), input =>
            {
                var query = VisibilityQuery.ForList(input.Item1 + input.Item2, Schema);
                PostgresVisibilitySql.ListStatement(query, "ns", 10, []).Sql.Should().Contain("namespace_id = @p0");
            })));

    [Theory]
    [InlineData(100_000, "(", "")]
    [InlineData(100_000, "NOT ", "")]
    [InlineData(50_000, "(NOT ", "")]
    [InlineData(100_000, "(", ")")]
    [InlineData(100_000, "WorkflowId = 'a' AND ", "")]
    public Task ForList_HugeOrDeepInput_IsRefusedWithoutExhaustingTheStack(int repeat, string piece, string tail) =>
        Bounded(() =>
        {
            var query = string.Concat(Enumerable.Repeat(piece, repeat)) + "WorkflowId = 'a'" + string.Concat(Enumerable.Repeat(tail, repeat));
            var started = Stopwatch.StartNew();

            var act = () => VisibilityQuery.ForList(query, Schema);

            act.Should().Throw<ListFilterException>();
            started.Elapsed.Should().BeLessThan(PerInput);
        });

    [Fact]
    public Task VisibilityPaging_RandomTokens_AreRefusedWithATokenError() =>
        Bounded(() =>
        {
            var valid = VisibilityPaging.NextPageToken(VisibilityQuery.ForList("ORDER BY Attempts", Schema),
                Record("wf", "run", attributes: ("Attempts", new IntValue(3))));
            var tokens = Gen.OneOf(
                ArbMap.Default.GeneratorFor<byte[]>().Select(bytes => bytes ?? []),
                from cut in Gen.Choose(0, valid.Length - 1)
                from flip in Gen.Choose(0, 255)
                select valid.Take(cut).Append((byte)flip).Concat(valid.Skip(cut + 1)).ToArray(),
                Gen.Elements(
                    "{}", "[]", "null", "{\"order\":1,\"after\":[]}", new string('[', 5000),
                    "{\"order\":\"Attempts:Int:asc,CloseTime::desc,StartTime::desc,RunId::asc\",\"after\":[\"x\",null,\"2026-12-07T10:00:00.000000Z\",\"r\"]}",
                    "{\"order\":\"Attempts:Int:asc,CloseTime::desc,StartTime::desc,RunId::asc\",\"after\":[1e999,null,\"2026-12-07T10:00:00.000000Z\",\"r\"]}",
                    "{\"order\":\"Attempts:Int:asc,CloseTime::desc,StartTime::desc,RunId::asc\",\"after\":[1,null,null,\"r\"]}").Select(Encoding.UTF8.GetBytes));
            var query = VisibilityQuery.ForList("ORDER BY Attempts", Schema);
            FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(tokens.ToArbitrary(), token =>
            {
                try
                {
                    VisibilityPaging.List(query, [], 10, token);
                    PostgresVisibilitySql.ListStatement(query, "ns", 10, token);
                }
                catch (VisibilityPageTokenException)
                {
                }
            }));
        });

    [Fact]
    public Task SearchAttributePayloads_RandomValues_AreRefusedWithAValueError() =>
        Bounded(() =>
        {
            var data = Gen.OneOf(
                ArbMap.Default.GeneratorFor<byte[]>().Select(bytes => bytes ?? []),
                Gen.Elements(
                    "null", "[]", "[1,2]", "[null]", "\"x\"", "[\"x\"]", "1", "1.5", "1e999", "-9223372036854775809", "true", "{}",
                    "\"2026-12-07T10:00:00Z\"", "\"\\u0000\"", "\"\\ud800\"", "[\"a\",1]", new string('[', 3000), "\"", "tru").Select(Encoding.UTF8.GetBytes));
            var cases = from bytes in data
                        from type in Gen.Elements(Enum.GetValues<IndexedValueType>())
                        from encoding in Gen.Elements("json/plain", "binary/null", "binary/plain", "")
                        select (Bytes: bytes, Type: type, Encoding: encoding);
            FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(1500), Prop.ForAll(cases.ToArbitrary(), input =>
            {
                var payload = new Payload { Data = ByteString.CopyFrom(input.Bytes) };
                if (input.Encoding.Length > 0)
                {
                    payload.Metadata["encoding"] = ByteString.CopyFromUtf8(input.Encoding);
                }
                try
                {
                    if (SearchAttributePayloads.Decode("X", payload, input.Type) is { } value)
                    {
                        PostgresVisibilityTable.SearchAttributesJson(new Dictionary<string, SearchAttributeValue> { ["X"] = value });
                        SearchAttributePayloads.Encode(value);
                    }
                }
                catch (SearchAttributeValueException)
                {
                }
            }));
        });

    private static void Check(Gen<string> queries, int count) =>
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(count), Prop.ForAll(queries.ToArbitrary(), query =>
        {
            var started = Stopwatch.StartNew();
            foreach (var parse in new Func<string, SearchAttributeSchema, VisibilityQuery>[] { VisibilityQuery.ForList, VisibilityQuery.ForCount })
            {
                try
                {
                    var bound = parse(query, Schema);
                    // What parses must also evaluate, order and translate.
                    _ = VisibilityPaging.List(bound, Fixtures, 2, []);
                    _ = VisibilityEvaluator.Count(bound, Fixtures);
                    _ = PostgresVisibilitySql.ListStatement(bound, "ns", 10, []);
                    _ = PostgresVisibilitySql.CountStatement(bound, "ns");
                }
                catch (ListFilterException error)
                {
                    error.Message.Should().StartWith("invalid query: ");
                }
            }
            started.Elapsed.Should().BeLessThan(PerInput, "[{0}] took too long", query);
        }));

    private static readonly VisibilityRecord[] Fixtures =
    [
        Record("park-1", "r1", attributes: [("CustomerId", new KeywordValue("c-1")), ("Tags", new KeywordListValue(["ev"])), ("Notes", new TextValue("alpha beta"))]),
        Record("park-2", "r2", WorkflowExecutionStatus.Completed, T0.AddMinutes(1), T0.AddHours(1),
            attributes: [("Attempts", new IntValue(2)), ("Score", new DoubleValue(0.5)), ("Vip", new BoolValue(true)), ("DueAt", new DatetimeValue(T0))]),
    ];

    // The work runs on the thread pool so that a hang fails the test instead of stalling the suite.
    private static async Task Bounded(Action work) => await Task.Run(work).WaitAsync(Whole);
}
