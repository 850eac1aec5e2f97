using System.Net;
using System.Text.Json;

namespace EasyParkPlus.TemporalServer.Tests.Http;

/// <summary>What the UI port serves besides the API: the UI server's settings document and the built app's files.</summary>
public sealed class WebUiHostingTests(WebUiHost host) : IClassFixture<WebUiHost>
{
    [Fact]
    public async Task Settings_AreTheUiServersDocument_AuthOffNoCodecWritesOnUnservedFeaturesOff()
    {
        using var response = await host.Client.GetAsync("api/v1/settings");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        root.GetProperty("Auth").GetProperty("Enabled").GetBoolean().Should().BeFalse();
        root.GetProperty("Codec").GetProperty("Endpoint").GetString().Should().BeEmpty();
        root.GetProperty("DefaultNamespace").GetString().Should().Be("default");
        Version.Parse(root.GetProperty("Version").GetString()!).Should().BeGreaterThanOrEqualTo(new Version(2, 23, 0),
            "older UI versions encode ids in API paths twice");
        root.GetProperty("DisableWriteActions").GetBoolean().Should().BeFalse();
        root.GetProperty("WorkflowSignalDisabled").GetBoolean().Should().BeFalse();
        root.GetProperty("WorkflowTerminateDisabled").GetBoolean().Should().BeFalse();
        root.GetProperty("WorkflowCancelDisabled").GetBoolean().Should().BeFalse();
        root.GetProperty("WorkflowResetDisabled").GetBoolean().Should().BeTrue();
        root.GetProperty("BatchActionsDisabled").GetBoolean().Should().BeTrue();
        host.Invoker.Calls.Should().BeEmpty("the settings are the UI server's own, not an API call");
    }

    [Fact]
    public async Task UiRoute_WithoutAFile_ServesTheAppsIndexUncached()
    {
        using var response = await host.Client.GetAsync("namespaces/default/workflows/parking-1/run-1/history");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        response.Headers.CacheControl!.NoCache.Should().BeTrue();
        (await response.Content.ReadAsStringAsync()).Should().Contain("<div id=svelte>");
    }

    [Fact]
    public async Task HashedAsset_IsServedWithItsTypeAndCachedForGood()
    {
        using var response = await host.Client.GetAsync("_app/immutable/entry/start.abc123.js");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
        response.Headers.CacheControl!.MaxAge.Should().Be(TimeSpan.FromDays(365));
        (await response.Content.ReadAsStringAsync()).Should().Be("export {};");
    }

    [Fact]
    public async Task PathOutsideTheBuild_ServesTheAppNotTheFile()
    {
        var outside = "outside-" + Path.GetFileName(host.Assets) + ".txt";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{host.Client.BaseAddress}..%2F{outside}"));
        using var response = await host.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        text.Should().NotContain("secret");
    }
}
