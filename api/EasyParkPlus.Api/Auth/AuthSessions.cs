using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.Api.Auth;

/// <summary>
/// A login is a session (accounts.auth_sessions): its refresh tokens are one family and its access tokens carry its id
/// as "sid". Logging out, or presenting a rotated refresh token again after the grace window, revokes the session, which
/// ends every token of the family at once. Two refreshes of one token within the grace window (a client retrying, two
/// tabs at once) get the same new pair: the first rotation leaves it sealed with a key only the old token's holder can
/// derive, so the database never holds a usable refresh token.
/// </summary>
public sealed class AuthSessions(EasyParkDbContext db, TokenService tokens, SessionRevocations revocations, IOptions<AuthOptions> options, TimeProvider time)
{
    public async Task<TokenResponse> StartAsync(Customer customer, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var session = new AuthSession { Id = Guid.NewGuid(), CustomerId = customer.Id, CreatedAt = now };
        db.AuthSessions.Add(session);
        var (response, row) = Issue(customer, session.Id, now);
        db.RefreshTokens.Add(row);
        await db.SaveChangesAsync(ct);
        return response;
    }

    /// <summary>The next pair for <paramref name="refreshToken"/>, or null when it is invalid, expired, revoked or reused.</summary>
    public async Task<TokenResponse?> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var stored = await FindAsync(refreshToken, ct);
        if (stored is null || stored.ExpiresAt <= now)
        {
            return null;
        }
        var session = stored.SessionId is { } id
            ? await db.AuthSessions.FirstAsync(s => s.Id == id, ct)
            : await AdoptAsync(stored, now, ct);
        if (session.RevokedAt is not null)
        {
            return null;
        }
        if (stored.RevokedAt is null)
        {
            var customer = await db.Customers.AsNoTracking().FirstAsync(c => c.Id == stored.CustomerId, ct);
            if (await RotateAsync(refreshToken, stored, customer, session.Id, now, ct) is { } rotated)
            {
                return rotated;
            }
            // Another request rotated it a moment ago: read what it left.
            db.ChangeTracker.Clear();
            stored = (await FindAsync(refreshToken, ct))!;
        }
        if (stored.RevokedAt is { } rotatedAt && now - rotatedAt <= options.Value.RefreshReuseGrace
            && stored.SuccessorSealed is { } sealedPair && Unseal(refreshToken, sealedPair) is { } same)
        {
            return same;
        }
        // A rotated token presented again after the grace window means it leaked: the whole family ends.
        await RevokeAsync(session.Id, "refresh token reused", ct);
        return null;
    }

    public async Task RevokeAsync(Guid sessionId, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await db.AuthSessions.Where(s => s.Id == sessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now).SetProperty(x => x.RevokedReason, reason), ct);
        await db.RefreshTokens.Where(t => t.SessionId == sessionId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);
        revocations.Revoked(sessionId);
    }

    // Tokens issued before sessions existed join one on their first refresh.
    private async Task<AuthSession> AdoptAsync(RefreshToken stored, DateTimeOffset now, CancellationToken ct)
    {
        var session = new AuthSession { Id = Guid.NewGuid(), CustomerId = stored.CustomerId, CreatedAt = now };
        db.AuthSessions.Add(session);
        stored.SessionId = session.Id;
        await db.SaveChangesAsync(ct);
        return session;
    }

    // One transaction: the successor is inserted and the old token marked rotated only if nobody rotated it first.
    private async Task<TokenResponse?> RotateAsync(string refreshToken, RefreshToken stored, Customer customer, Guid sessionId, DateTimeOffset now,
        CancellationToken ct)
    {
        var (response, row) = Issue(customer, sessionId, now);
        var sealedPair = Seal(refreshToken, response);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.RefreshTokens.Add(row);
        await db.SaveChangesAsync(ct);
        var rotated = await db.RefreshTokens.Where(t => t.Id == stored.Id && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.ReplacedById, row.Id)
                .SetProperty(t => t.SuccessorSealed, sealedPair), ct);
        if (rotated == 0)
        {
            await transaction.RollbackAsync(ct);
            return null;
        }
        await transaction.CommitAsync(ct);
        return response;
    }

    private (TokenResponse Response, RefreshToken Row) Issue(Customer customer, Guid sessionId, DateTimeOffset now)
    {
        var (refresh, hash) = TokenService.NewRefreshToken();
        var row = new RefreshToken
        {
            Id = Guid.NewGuid(),
            CustomerId = customer.Id,
            SessionId = sessionId,
            TokenHash = hash,
            CreatedAt = now,
            ExpiresAt = now + options.Value.RefreshTokenLifetime,
        };
        var access = tokens.CreateAccessToken(customer.Id.ToString(), AuthEndpoints.RoleName(customer.Role), customer.Email, sessionId: sessionId);
        return (new TokenResponse(access.Token, refresh, access.ExpiresAt), row);
    }

    private Task<RefreshToken?> FindAsync(string refreshToken, CancellationToken ct)
    {
        var hash = TokenService.HashRefreshToken(refreshToken);
        return db.RefreshTokens.FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
    }

    // AES-GCM under a key derived from the old refresh token itself (not from its stored SHA-256 hash).
    private static byte[] Seal(string refreshToken, TokenResponse pair)
    {
        var plain = JsonSerializer.SerializeToUtf8Bytes(pair);
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var sealedPair = new byte[nonce.Length + plain.Length + AesGcm.TagByteSizes.MaxSize];
        using var aes = new AesGcm(Key(refreshToken), AesGcm.TagByteSizes.MaxSize);
        aes.Encrypt(nonce, plain, sealedPair.AsSpan(nonce.Length, plain.Length), sealedPair.AsSpan(nonce.Length + plain.Length));
        nonce.CopyTo(sealedPair, 0);
        return sealedPair;
    }

    private static TokenResponse? Unseal(string refreshToken, byte[] sealedPair)
    {
        const int nonceSize = 12;
        const int tagSize = 16;
        if (sealedPair.Length <= nonceSize + tagSize)
        {
            return null;
        }
        var plain = new byte[sealedPair.Length - nonceSize - tagSize];
        try
        {
            using var aes = new AesGcm(Key(refreshToken), tagSize);
            aes.Decrypt(sealedPair.AsSpan(0, nonceSize), sealedPair.AsSpan(nonceSize, plain.Length), sealedPair.AsSpan(nonceSize + plain.Length), plain);
            return JsonSerializer.Deserialize<TokenResponse>(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] Key(string refreshToken) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(refreshToken), 32, salt: [], info: "easypark refresh successor"u8.ToArray());
}

/// <summary>
/// Whether an access token's session was revoked. Answers from a short cache (Auth:RevocationCacheFor, 5 s), so other
/// api instances see a logout within that time and this one at once; the database is the truth.
/// </summary>
public sealed class SessionRevocations(NpgsqlDataSource dataSource, IMemoryCache cache, IOptions<AuthOptions> options)
{
    public async ValueTask<bool> IsRevokedAsync(Guid sessionId, CancellationToken ct)
    {
        if (cache.TryGetValue(CacheKey(sessionId), out bool revoked))
        {
            return revoked;
        }
        await using var command = dataSource.CreateCommand("SELECT revoked_at IS NOT NULL FROM accounts.auth_sessions WHERE id = $1");
        command.Parameters.Add(new() { Value = sessionId });
        // A session id the database does not know was never issued here: treated as revoked.
        revoked = await command.ExecuteScalarAsync(ct) is not false;
        cache.Set(CacheKey(sessionId), revoked, options.Value.RevocationCacheFor);
        return revoked;
    }

    public void Revoked(Guid sessionId) => cache.Set(CacheKey(sessionId), true, options.Value.RevocationCacheFor);

    private static string CacheKey(Guid sessionId) => "auth-session-revoked:" + sessionId;
}
