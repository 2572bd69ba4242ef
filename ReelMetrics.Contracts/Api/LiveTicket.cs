namespace ReelMetrics.Contracts.Api;

/// <summary>
/// The answer of <c>POST /live/tickets</c>: a single-use ticket that opens one <c>GET /live?ticket=…</c> stream as the
/// user who asked for it, until <paramref name="ExpiresAt"/> (a browser's <c>EventSource</c> cannot send a bearer token).
/// </summary>
public sealed record LiveTicket(string Ticket, DateTimeOffset ExpiresAt);
