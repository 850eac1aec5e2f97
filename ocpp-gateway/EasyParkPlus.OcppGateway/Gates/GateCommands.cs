using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Gates;

// A command for a gate, as the internal API received it.
public abstract record GateCommand(string Kind);

public sealed record OpenBarrierCommand(string SessionId, string? Message) : GateCommand("openBarrier");

public sealed record ShowMessageCommand(string Text) : GateCommand("showMessage");

public enum GateCommandOutcome
{
    Acknowledged,
    Rejected,
    Offline,
    TimedOut,
}

public sealed record GateCommandResult(GateCommandOutcome Outcome, string? Reason = null);

// Sends a command to a gate connected to this instance and waits for the controller's ack.
public sealed class GateCommandSender(
    GateConnectionRegistry registry,
    GateStore store,
    TimeProvider time,
    IOptions<GateOptions> options,
    ILogger<GateCommandSender> logger)
{
    public bool IsConnectedHere(string gateId) => registry.Find(gateId) is not null;

    public async Task<GateCommandResult> SendAsync(string gateId, GateCommand command, CancellationToken cancellationToken)
    {
        var connection = registry.Find(gateId);
        if (connection is null)
        {
            return new(GateCommandOutcome.Offline);
        }
        var commandId = Guid.NewGuid();
        var (sessionId, text) = command switch
        {
            OpenBarrierCommand open => (open.SessionId, open.Message),
            ShowMessageCommand show => ((string?)null, show.Text),
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
        await store.RecordCommandAsync(commandId, gateId, command.Kind, sessionId, text, time.GetUtcNow(), cancellationToken);

        // The timeout starts before the send, so a controller that has received the command is
        // already on the clock (tests advance virtual time as soon as the command arrives).
        using var timeout = new CancellationTokenSource(options.Value.CommandTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var id = commandId.ToString("N");
        var ack = connection.ExpectAck(id);
        GateCommandResult result;
        try
        {
            GateOutboundMessage message = command switch
            {
                OpenBarrierCommand open => new OpenBarrierMessage(id, open.SessionId, open.Message),
                ShowMessageCommand show => new ShowMessageMessage(id, show.Text),
                _ => throw new ArgumentOutOfRangeException(nameof(command)),
            };
            await connection.SendAsync(message, linked.Token);
            var answer = await ack.WaitAsync(linked.Token);
            result = answer.Accepted
                ? new(GateCommandOutcome.Acknowledged)
                : new(GateCommandOutcome.Rejected, answer.Reason ?? "The gate controller rejected the command.");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            result = new(GateCommandOutcome.TimedOut);
        }
        catch (Exception ex) when (ex is GateOfflineException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            result = new(GateCommandOutcome.Offline);
        }
        finally
        {
            connection.ForgetAck(id);
        }
        var status = result.Outcome switch
        {
            GateCommandOutcome.Acknowledged => GateCommandStatus.Acknowledged,
            GateCommandOutcome.Rejected => GateCommandStatus.Rejected,
            GateCommandOutcome.TimedOut => GateCommandStatus.TimedOut,
            _ => GateCommandStatus.Offline,
        };
        await store.CompleteCommandAsync(commandId, status, time.GetUtcNow(), CancellationToken.None);
        GatesLog.CommandCompleted(logger, command.Kind, commandId, gateId, status);
        return result;
    }
}
