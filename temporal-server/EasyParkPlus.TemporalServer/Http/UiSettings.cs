using System.Text.Json.Serialization;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// The document the Temporal UI server answers at <c>GET /api/v1/settings</c> (PascalCase, as its Go struct marshals):
/// auth off (the project's own auth sits in front), no codec endpoint, write actions on, and the features our server
/// does not serve (reset, batch operations, start from the UI) switched off so the UI hides them.
/// </summary>
internal sealed record UiSettings(
    UiSettings.AuthSettings Auth,
    string BannerText,
    string DefaultNamespace,
    bool ShowTemporalSystemNamespace,
    string FeedbackURL,
    bool NotifyOnNewVersion,
    UiSettings.CodecSettings Codec,
    string Version,
    bool DisableWriteActions,
    bool WorkflowTerminateDisabled,
    bool WorkflowCancelDisabled,
    bool WorkflowSignalDisabled,
    bool WorkflowUpdateDisabled,
    bool WorkflowResetDisabled,
    bool BatchActionsDisabled,
    bool StartWorkflowDisabled,
    bool HideWorkflowQueryErrors,
    bool RefreshWorkflowCountsDisabled)
{
    /// <summary>
    /// The version of @temporalio/ui the app is built from. The UI encodes ids in API paths once from 2.23.0 on and
    /// twice before, so this must not be older than what the server decodes (once).
    /// </summary>
    public const string UiVersion = "2.38.0";

    public static UiSettings For(WebUiOptions options) => new(
        Auth: new AuthSettings(false, []),
        BannerText: "",
        DefaultNamespace: options.DefaultNamespace,
        ShowTemporalSystemNamespace: false,
        FeedbackURL: "",
        NotifyOnNewVersion: false,
        Codec: new CodecSettings("", false, false, "", ""),
        Version: UiVersion,
        DisableWriteActions: options.DisableWriteActions,
        WorkflowTerminateDisabled: false,
        WorkflowCancelDisabled: false,
        WorkflowSignalDisabled: false,
        WorkflowUpdateDisabled: false,
        WorkflowResetDisabled: true,
        BatchActionsDisabled: true,
        StartWorkflowDisabled: true,
        HideWorkflowQueryErrors: false,
        RefreshWorkflowCountsDisabled: false);

    internal sealed record AuthSettings(bool Enabled, string[] Options);

    internal sealed record CodecSettings(
        string Endpoint, bool PassAccessToken, bool IncludeCredentials, string DefaultErrorMessage, string DefaultErrorLink);
}

/// <summary>System.Text.Json metadata for the settings document, with the property names as declared (PascalCase).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(UiSettings))]
internal sealed partial class UiSettingsJson : JsonSerializerContext;
