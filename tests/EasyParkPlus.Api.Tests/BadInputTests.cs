using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EasyParkPlus.Api.Tests.Support;
using Xunit.Abstractions;

namespace EasyParkPlus.Api.Tests;

/// <summary>
/// Sends hostile bodies to every POST endpoint of /api/v1 (enumerated from the endpoint data source, so endpoints
/// added later are covered without touching this test) and requires 4xx problem details, never a 5xx.
/// </summary>
public sealed class BadInputTests(ApiFixture api, ITestOutputHelper output) : IClassFixture<ApiFixture>
{
    private static readonly string[] HostileStrings =
    [
        "'; DROP TABLE accounts.customers; --",
        "<script>alert(1)</script>",
        "\u0000\u0001nul",
        "\u202Egnp.exe",
        "{{7*7}}${jndi:ldap://x}",
        new string('A', 100_000),
        "../../etc/passwd",
        "\uD800",
    ];

    [Fact]
    public async Task EveryPostEndpoint_RejectsBadInputWith4xxProblem()
    {
        var endpoints = ApiEndpoints.All(api.Services).Where(e => e.Method == "POST").ToList();
        Assert.True(endpoints.Count >= 9, $"only {endpoints.Count} POST endpoints found");
        using var admin = await api.AdminClientAsync();
        var failures = new List<string>();
        var sent = 0;
        foreach (var endpoint in endpoints)
        {
            foreach (var (name, body, strict) in Cases(endpoint.BodyType))
            {
                var url = endpoint.Url();
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                // The api answers 413 from Content-Length before the body is sent, instead of cutting the upload off mid-way.
                request.Headers.ExpectContinue = true;
                using var response = await admin.SendAsync(request);
                sent++;
                var status = (int)response.StatusCode;
                var media = response.Content.Headers.ContentType?.MediaType;
                if (status >= 500 || (strict && status < 400) || (status >= 400 && media != "application/problem+json"))
                {
                    failures.Add($"{endpoint} [{name}] → {status} {media}: {Truncate(await response.Content.ReadAsStringAsync())}");
                }
            }
        }
        output.WriteLine($"{sent} bad requests to {endpoints.Count} POST endpoints: {string.Join(", ", endpoints)}");
        Assert.Empty(failures);
    }

    [Fact]
    public async Task WrongContentType_And_EmptyBody_Are4xx()
    {
        using var admin = await api.AdminClientAsync();
        foreach (var endpoint in ApiEndpoints.All(api.Services).Where(e => e.Method == "POST" && e.BodyType is not null))
        {
            using var form = await admin.PostAsync(new Uri(endpoint.Url(), UriKind.Relative), new StringContent("a=1", Encoding.UTF8, "application/x-www-form-urlencoded"));
            using var empty = await admin.PostAsync(new Uri(endpoint.Url(), UriKind.Relative), new StringContent("", Encoding.UTF8, "application/json"));

            Assert.InRange((int)form.StatusCode, 400, 499);
            Assert.InRange((int)empty.StatusCode, 400, 499);
        }
    }

    // (name, body, strict): strict cases must be refused (4xx); the others must merely never be a 5xx.
    private static IEnumerable<(string Name, byte[] Body, bool Strict)> Cases(Type? bodyType)
    {
        yield return ("malformed JSON", Encoding.UTF8.GetBytes("{\"email\": \"x\", "), true);
        yield return ("not an object", Encoding.UTF8.GetBytes("[1,2,3]"), true);
        yield return ("JSON null", Encoding.UTF8.GetBytes("null"), bodyType is not null);
        yield return ("invalid UTF-8", [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d], true);
        yield return ("huge body", Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', 2_000_000) + "\"}"), true);
        yield return ("deep nesting", Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)), true);
        if (bodyType is null)
        {
            yield break;
        }
        var properties = bodyType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToList();
        yield return ("missing fields", Encoding.UTF8.GetBytes("{}"), properties.Count > 0);
        yield return ("wrong types", Json(properties.ToDictionary(p => Camel(p.Name), p => (JsonNode?)(IsText(p) ? new JsonArray(1, 2) : JsonValue.Create("not-a-" + p.PropertyType.Name)))), true);
        yield return ("numbers for strings", Json(properties.ToDictionary(p => Camel(p.Name), p => (JsonNode?)JsonValue.Create(12345))), true);
        yield return ("unknown enum values", Json(properties.ToDictionary(p => Camel(p.Name), p => (JsonNode?)JsonValue.Create("Nuclear_Hovercraft"))), false);
        foreach (var hostile in HostileStrings)
        {
            // Control characters and lone surrogates are refused outright; the others may be legitimate text somewhere.
            var strict = hostile.Any(char.IsControl) || hostile.Length > 10_000 || hostile.Any(char.IsSurrogate);
            yield return ($"hostile '{Truncate(hostile, 20)}'", Json(properties.ToDictionary(p => Camel(p.Name), p => (JsonNode?)JsonValue.Create(hostile))), strict && properties.Any(IsText));
        }
    }

    private static bool IsText(PropertyInfo p) => p.PropertyType == typeof(string);

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static byte[] Json(Dictionary<string, JsonNode?> fields) =>
        Encoding.UTF8.GetBytes(new JsonObject(fields).ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

    private static string Truncate(string text, int length = 300) => text.Length <= length ? text : text[..length] + "…";

    // Values a client (or a fuzzer) may put anywhere: in the path, the query string, a JSON field.
    private static readonly string[] JunkValues =
    [
        "abc", "", " ", "-1", "0", "99999999999999999999", "1e309", "NaN", "true", "null", "2026-13-45", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.9999999+00:00", "' OR 1=1 --", "../../etc/passwd", "%00", "\u202Eevil", "\uD83D\uDE00", new string('9', 600), "{}", "[1]",
    ];

    // The framework's words, which must never reach a client: .NET type names, developer hints, exception and reader details.
    private static readonly System.Text.RegularExpressions.Regex FrameworkText = new(
        @"System\.|Microsoft\.|EasyParkPlus\.|Nullable|`\d|Did you mean|Implicit body|Service instead|Exception|LineNumber|BytePositionInLine|parameter ""|DateTimeOffset|Int32|Int64|Guid\b",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    [Fact]
    public async Task EveryEndpoint_JunkInPathQueryAndBody_NeverA5xxAndNo4xxShowsFrameworkText()
    {
        using var admin = await api.AdminClientAsync();
        var failures = new List<string>();
        var sent = 0;
        foreach (var endpoint in ApiEndpoints.All(api.Services))
        {
            foreach (var junk in JunkValues)
            {
                foreach (var (url, body) in JunkRequests(endpoint, junk))
                {
                    using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), url);
                    if (body is not null)
                    {
                        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    }
                    using var response = await admin.SendAsync(request);
                    sent++;
                    var status = (int)response.StatusCode;
                    var text = await response.Content.ReadAsStringAsync();
                    if (status >= 500
                        || (status is 400 or 422 && (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || FrameworkText.IsMatch(text))))
                    {
                        failures.Add($"{endpoint} {url} [{Truncate(junk, 20)}] body {Truncate(body ?? "-", 60)} → {status}: {Truncate(text)}");
                    }
                }
            }
        }
        output.WriteLine($"{sent} junk requests to {ApiEndpoints.All(api.Services).Count} endpoints");
        failures.Should().BeEmpty();
    }

    [Fact]
    public async Task EveryEndpointWithABody_EmptyOrNullBody_400SayingABodyIsRequired()
    {
        using var admin = await api.AdminClientAsync();
        var failures = new List<string>();
        foreach (var endpoint in ApiEndpoints.All(api.Services).Where(e => e.BodyType is not null))
        {
            foreach (var body in new[] { "", "null" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Url()) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                using var response = await admin.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != System.Net.HttpStatusCode.BadRequest || !text.Contains("request body is required", StringComparison.OrdinalIgnoreCase) || FrameworkText.IsMatch(text))
                {
                    failures.Add($"{endpoint} '{body}' → {(int)response.StatusCode}: {Truncate(text)}");
                }
            }
        }
        failures.Should().BeEmpty();
    }

    // Junk in every route value, then junk in every query parameter and body field behind a valid route.
    private static IEnumerable<(string Url, string? Body)> JunkRequests(ApiEndpoint endpoint, string junk)
    {
        var body = endpoint.BodyType is { } type
            ? Encoding.UTF8.GetString(Json(type.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => Camel(p.Name), _ => (JsonNode?)JsonValue.Create(junk))))
            : endpoint.Method is "POST" or "PUT" or "PATCH" ? "{\"junk\":" + JsonSerializer.Serialize(junk) + "}" : null;
        var segment = Uri.EscapeDataString(junk.Length == 0 ? "_" : junk);
        var query = string.Join('&', endpoint.QueryParameters.Select(name => $"{name}={Uri.EscapeDataString(junk)}"));
        if (endpoint.Pattern.Contains('{', StringComparison.Ordinal))
        {
            var junkRoute = System.Text.RegularExpressions.Regex.Replace(endpoint.Pattern.TrimStart('/'), @"\{[^}]*\}", segment);
            yield return (junkRoute, body);
        }
        yield return (query.Length == 0 ? endpoint.Url() : $"{endpoint.Url()}?{query}", body);
    }
}
