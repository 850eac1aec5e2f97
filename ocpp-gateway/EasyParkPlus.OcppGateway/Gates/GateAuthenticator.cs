using System.Net.Http.Headers;
using System.Text;
using EasyParkPlus.ServiceDefaults.Security;
using Microsoft.AspNetCore.Identity;

namespace EasyParkPlus.OcppGateway.Gates;

// The outcome of a gate login: the gate, or null, and when too many failures lock it out, how long to wait.
public sealed record GateLogin(GateRecord? Gate, TimeSpan? RetryAfter = null);

// HTTP Basic with the gate id as user name and the gate's own password. Unknown gate and wrong
// password look the same to the caller (and cost the same hash check) so ids cannot be probed.
// Failures are throttled per gate id and per client address before any hash is computed.
public sealed class GateAuthenticator(GateStore store, LoginThrottle throttle)
{
    public const string ThrottleScope = "gate";

    public const string Realm = "EasyParkPlus gates";

    private static readonly PasswordHasher<string> Hasher = new();

    // Verifying against a real hash keeps an unknown gate as slow as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() => Hasher.HashPassword(string.Empty, Guid.NewGuid().ToString()));

    public static string HashSecret(string gateId, string secret) => Hasher.HashPassword(gateId, secret);

    public async Task<GateLogin> AuthenticateAsync(HttpRequest request, string gateId, CancellationToken cancellationToken)
    {
        if (!TryReadBasic(request.Headers.Authorization.ToString(), out var user, out var password) || user != gateId
            || !GateProtocol.IsValidId(gateId))
        {
            return new GateLogin(null);
        }
        var address = request.HttpContext.Connection.RemoteIpAddress;
        if (await throttle.RetryAfterAsync(ThrottleScope, gateId, address) is { } wait)
        {
            return new GateLogin(null, wait);
        }
        var gate = await store.FindGateAsync(gateId, cancellationToken);
        var result = Hasher.VerifyHashedPassword(gateId, gate?.SecretHash ?? DecoyHash.Value, password);
        if (gate is null || result == PasswordVerificationResult.Failed)
        {
            await throttle.FailedAsync(ThrottleScope, gateId, address);
            return new GateLogin(null);
        }
        await throttle.SucceededAsync(ThrottleScope, gateId, address);
        return new GateLogin(gate);
    }

    public static bool TryReadBasic(string header, out string user, out string password)
    {
        user = password = string.Empty;
        if (!AuthenticationHeaderValue.TryParse(header, out var value)
            || !string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || value.Parameter is null)
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[512];
        if (value.Parameter.Length > 680 || !Convert.TryFromBase64String(value.Parameter, buffer, out var written))
        {
            return false;
        }
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer[..written]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }
        user = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}
