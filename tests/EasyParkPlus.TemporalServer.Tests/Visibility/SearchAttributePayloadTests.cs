using EasyParkPlus.TemporalServer.Visibility;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Common;
using static EasyParkPlus.TemporalServer.Tests.Visibility.VisibilityTestData;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

public class SearchAttributePayloadTests
{
    private static readonly DateTimeOffset Due = new(2026, 12, 24, 18, 30, 0, 123, TimeSpan.FromHours(-5));

    private static SearchAttributes Attributes(params (string Name, string Json)[] values)
    {
        var message = new SearchAttributes();
        foreach (var (name, json) in values)
        {
            message.IndexedFields[name] = new Payload
            {
                Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain"), ["type"] = ByteString.CopyFromUtf8("Keyword") },
                Data = ByteString.CopyFromUtf8(json),
            };
        }
        return message;
    }

    private static IReadOnlyDictionary<string, SearchAttributeValue> Apply(SearchAttributes changes) =>
        SearchAttributePayloads.Apply(new Dictionary<string, SearchAttributeValue>(), changes, Schema);

    [Fact]
    public void Apply_AttributesTheSdkEncodes_BecomeTypedValues()
    {
        var sdk = new SearchAttributeCollection.Builder()
            .Set(SearchAttributeKey.CreateKeyword("CustomerId"), "c-1")
            .Set(SearchAttributeKey.CreateKeywordList("Tags"), ["ev", "vip"])
            .Set(SearchAttributeKey.CreateText("Notes"), "Gate 7 jammed")
            .Set(SearchAttributeKey.CreateLong("Attempts"), 3L)
            .Set(SearchAttributeKey.CreateDouble("Score"), 2.5)
            .Set(SearchAttributeKey.CreateBool("Vip"), true)
            .Set(SearchAttributeKey.CreateDateTimeOffset("DueAt"), Due)
            .ToSearchAttributeCollection();

        var values = Apply(sdk.ToProto());

        values.Should().BeEquivalentTo(new Dictionary<string, SearchAttributeValue>
        {
            ["CustomerId"] = new KeywordValue("c-1"),
            ["Tags"] = new KeywordListValue(["ev", "vip"]),
            ["Notes"] = new TextValue("Gate 7 jammed"),
            ["Attempts"] = new IntValue(3),
            ["Score"] = new DoubleValue(2.5),
            ["Vip"] = new BoolValue(true),
            ["DueAt"] = new DatetimeValue(Due),
        });
    }

    [Fact]
    public void EncodeAll_TypedValues_AreReadBackByTheSdk()
    {
        var values = new Dictionary<string, SearchAttributeValue>
        {
            ["CustomerId"] = new KeywordValue("c-\"1\""),
            ["Tags"] = new KeywordListValue(["ev", "😀"]),
            ["Notes"] = new TextValue("Gate 7 jammed"),
            ["Attempts"] = new IntValue(long.MaxValue),
            ["Score"] = new DoubleValue(0.1 + 0.2),
            ["Vip"] = new BoolValue(false),
            ["DueAt"] = new DatetimeValue(Due),
        };

        var sdk = SearchAttributeCollection.FromProto(SearchAttributePayloads.EncodeAll(values));

        sdk.Get(SearchAttributeKey.CreateKeyword("CustomerId")).Should().Be("c-\"1\"");
        sdk.Get(SearchAttributeKey.CreateKeywordList("Tags")).Should().Equal("ev", "😀");
        sdk.Get(SearchAttributeKey.CreateText("Notes")).Should().Be("Gate 7 jammed");
        sdk.Get(SearchAttributeKey.CreateLong("Attempts")).Should().Be(long.MaxValue);
        sdk.Get(SearchAttributeKey.CreateDouble("Score")).Should().Be(0.1 + 0.2);
        sdk.Get(SearchAttributeKey.CreateBool("Vip")).Should().BeFalse();
        sdk.Get(SearchAttributeKey.CreateDateTimeOffset("DueAt")).Should().Be(Due);
        Apply(SearchAttributePayloads.EncodeAll(values)).Should().BeEquivalentTo(values);
    }

    [Fact]
    public void Apply_NullOrEmptyListOrNullEncoding_RemovesTheAttribute()
    {
        var current = new Dictionary<string, SearchAttributeValue>
        {
            ["CustomerId"] = new KeywordValue("c-1"),
            ["Tags"] = new KeywordListValue(["ev"]),
            ["Attempts"] = new IntValue(1),
            ["Vip"] = new BoolValue(true),
        };
        var changes = Attributes(("CustomerId", "null"), ("Tags", "[]"), ("Attempts", "[]"));
        changes.IndexedFields["Vip"] = new Payload { Metadata = { ["encoding"] = ByteString.CopyFromUtf8("binary/null") } };

        SearchAttributePayloads.Apply(current, changes, Schema).Should().BeEmpty();
    }

    [Fact]
    public void Apply_ScalarAsAOneElementList_IsTheScalar() =>
        Apply(Attributes(("CustomerId", "[\"c-1\"]"), ("Attempts", "[7]"))).Should().BeEquivalentTo(
            new Dictionary<string, SearchAttributeValue> { ["CustomerId"] = new KeywordValue("c-1"), ["Attempts"] = new IntValue(7) });

    [Fact]
    public void Apply_PredefinedAttribute_IsStoredLikeACustomOne() =>
        Apply(Attributes(("TemporalChangeVersion", "[\"fix-1\"]"))).Should().BeEquivalentTo(
            new Dictionary<string, SearchAttributeValue> { ["TemporalChangeVersion"] = new KeywordListValue(["fix-1"]) });

    [Theory]
    [InlineData("Nope", "\"x\"", "invalid value for search attribute 'Nope': it is not a search attribute of this namespace; add it first (OperatorService AddSearchAttributes)")]
    [InlineData("WorkflowId", "\"x\"", "invalid value for search attribute 'WorkflowId': system search attributes are set by the server, not by workflows")]
    [InlineData("CustomerId", "[\"a\",\"b\"]", "invalid value for search attribute 'CustomerId': a Keyword attribute holds one value, not a list of 2")]
    [InlineData("CustomerId", "3", "invalid value for search attribute 'CustomerId': expected a JSON string")]
    [InlineData("CustomerId", "\"a\\u0000b\"", "invalid value for search attribute 'CustomerId': a string cannot contain a NUL character")]
    [InlineData("Attempts", "1.5", "invalid value for search attribute 'Attempts': expected a JSON integer within 64 bits")]
    [InlineData("Attempts", "9223372036854775808", "invalid value for search attribute 'Attempts': expected a JSON integer within 64 bits")]
    [InlineData("Vip", "\"true\"", "invalid value for search attribute 'Vip': expected true or false")]
    [InlineData("DueAt", "\"tomorrow\"", "invalid value for search attribute 'DueAt': expected an RFC 3339 time string")]
    [InlineData("Tags", "\"ev\"", "invalid value for search attribute 'Tags': expected a JSON list of strings")]
    [InlineData("Tags", "[\"ev\", 1]", "invalid value for search attribute 'Tags': expected a JSON list of strings")]
    [InlineData("Notes", "{\"x\"", "invalid value for search attribute 'Notes': the payload is not valid JSON")]
    public void Apply_ValueThatDoesNotFit_IsRefusedWithTheReason(string name, string json, string message)
    {
        var act = () => Apply(Attributes((name, json)));

        act.Should().Throw<SearchAttributeValueException>().WithMessage(message);
    }
}
