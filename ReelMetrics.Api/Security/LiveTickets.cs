using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Security;

/// <summary>
/// Single-use tickets that open <c>GET /live</c> as the user who asked for one (<c>POST /live/tickets</c>): a browser's
/// <c>EventSource</c> cannot send a bearer token. Kept in this process's memory; each API instance issues its own.
/// </summary>
public sealed class LiveTickets(TimeProvider clock)
{
    /// <summary>How long a ticket may wait before it opens its stream.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>Tickets waiting at most, all users together: memory stays bounded whatever clients do.</summary>
    public const int MaxOutstanding = 10_000;

    private readonly ConcurrentDictionary<string, Issued> tickets = new(StringComparer.Ordinal);

    private sealed record Issued(ClaimsPrincipal User, DateTimeOffset ExpiresAt);

    /// <summary>A new ticket for <paramref name="user"/>; null when <see cref="MaxOutstanding"/> are waiting.</summary>
    public LiveTicket? Issue(ClaimsPrincipal user)
    {
        var now = clock.GetUtcNow();
        foreach (var (key, issued) in tickets)
        {
            if (issued.ExpiresAt <= now) tickets.TryRemove(key, out _);
        }
        if (tickets.Count >= MaxOutstanding) return null;
        var ticket = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var expiresAt = now + Lifetime;
        tickets[ticket] = new Issued(user, expiresAt);
        return new LiveTicket(ticket, expiresAt);
    }

    /// <summary>The user <paramref name="ticket"/> was issued to, if it is known and not expired; it cannot be used again.</summary>
    public ClaimsPrincipal? Redeem(string ticket) =>
        tickets.TryRemove(ticket, out var issued) && issued.ExpiresAt > clock.GetUtcNow() ? issued.User : null;

    /// <summary>Who a principal is: the token's subject, or for a machine client without one, its client id.</summary>
    public static string? Subject(ClaimsPrincipal? user) =>
        user?.FindFirst("sub")?.Value ?? user?.FindFirst("client_id")?.Value;
}
