using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace EasyParkPlus.ServiceDefaults;

/// <summary>
/// Serilog's rendered compact JSON, with a Microsoft.Extensions.Logging event id written as <c>"EventId":9001</c> (and
/// <c>"EventName"</c>) the way the JSON console logger wrote it, since operators and the recovery drill search for that.
/// Only the console line changes: other sinks and the forwarded providers still see the structured id.
/// </summary>
internal sealed class ConsoleJsonFormatter : ITextFormatter
{
    private readonly RenderedCompactJsonFormatter _json = new();

    public void Format(LogEvent logEvent, TextWriter output) => _json.Format(FlattenEventId(logEvent), output);

    private static LogEvent FlattenEventId(LogEvent logEvent)
    {
        if (!logEvent.Properties.TryGetValue("EventId", out var value) || value is not StructureValue eventId)
        {
            return logEvent;
        }
        var properties = logEvent.Properties.Where(p => p.Key != "EventId").Select(p => new LogEventProperty(p.Key, p.Value)).ToList();
        foreach (var part in eventId.Properties)
        {
            if (part.Name == "Id")
            {
                properties.Add(new LogEventProperty("EventId", part.Value));
            }
            else if (part.Name == "Name" && !logEvent.Properties.ContainsKey("EventName"))
            {
                properties.Add(new LogEventProperty("EventName", part.Value));
            }
        }
        return new LogEvent(logEvent.Timestamp, logEvent.Level, logEvent.Exception, logEvent.MessageTemplate, properties, logEvent.TraceId ?? default, logEvent.SpanId ?? default);
    }
}
