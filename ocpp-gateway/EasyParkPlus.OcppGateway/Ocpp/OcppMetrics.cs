using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace EasyParkPlus.OcppGateway.Ocpp;

/// <summary>OCPP messages from the stations, by action and by what we answered (subscribed as <c>EasyParkPlus.*</c>).</summary>
internal static class OcppMetrics
{
    public const string MeterName = "EasyParkPlus.Ocpp";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Messages =
        Meter.CreateCounter<long>("easypark.ocpp.messages", "{message}", "CALLs received from charging stations, by action and answer (accepted or the CALLERROR code)");

    public static void Received(string action, string reply) =>
        Messages.Add(1, new TagList { { "action", action }, { "answer", AnswerOf(reply) } });

    public static void Malformed(string errorCode) =>
        Messages.Add(1, new TagList { { "action", "(malformed)" }, { "answer", errorCode } });

    // The reply is a frame we wrote ourselves: [3,id,payload] or [4,id,code,description,details]; only errors are parsed.
    private static string AnswerOf(string reply)
    {
        if (!reply.StartsWith("[4,", StringComparison.Ordinal))
        {
            return "accepted";
        }
        using var frame = JsonDocument.Parse(reply);
        return frame.RootElement[2].GetString() ?? "?";
    }
}
