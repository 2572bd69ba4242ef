using System.Text.Json;

namespace ReelMetrics.Contracts.Api;

/// <summary>The states of the pipeline that <c>GET /status</c> reports, as they appear in JSON.</summary>
public static class PipelineStates
{
    /// <summary>A consumer is alive and keeping up (also when nobody is buying: no lag, nothing to store).</summary>
    public const string Live = "live";

    /// <summary>Sales are stored, but behind: a backlog above the threshold, or sales stored long after they were sold.</summary>
    public const string Lagging = "lagging";

    /// <summary>Nothing moves: no consumer alive, or a backlog that nothing has been stored from for too long.</summary>
    public const string Stalled = "stalled";
}

/// <summary>
/// <c>GET /status</c>: is the pipeline (Kafka → consumer → PostgreSQL) moving, and how fresh are the figures?
/// </summary>
/// <param name="State"><see cref="PipelineStates"/>: live, lagging or stalled.</param>
/// <param name="Reason">Why, in a sentence an operator can act on.</param>
/// <param name="NewestSale">The newest sale stored, null before the first.</param>
/// <param name="ConsumerLag">Messages on the topic the live consumers have not consumed yet.</param>
/// <param name="SalesPerMinute">Sales stored in the last minute by the live consumers.</param>
/// <param name="Consumers">Consumers alive (a heartbeat within <see cref="StatusThresholds.HeartbeatTimeoutSeconds"/>).</param>
/// <param name="LastHeartbeatAt">The newest consumer heartbeat, null if none was ever written.</param>
/// <param name="DeadLettersLastHour">Dead letters received in the last hour, by reason (most first).</param>
/// <param name="Thresholds">What decided <see cref="State"/> (configuration <c>Api:Status</c>).</param>
public sealed record PipelineStatus(
    DateTimeOffset AsOf, string State, string Reason, NewestSale? NewestSale, long ConsumerLag, long SalesPerMinute, int Consumers,
    DateTimeOffset? LastHeartbeatAt, IReadOnlyList<DeadLetterCount> DeadLettersLastHour, StatusThresholds Thresholds);

/// <summary>The newest sale stored: when it was sold, when it was stored, and its age (now − sold_at) in seconds.</summary>
public sealed record NewestSale(DateTimeOffset SoldAt, DateTimeOffset IngestedAt, double AgeSeconds);

/// <summary>Dead letters of one reason.</summary>
public sealed record DeadLetterCount(string Reason, long Count);

/// <summary>
/// The thresholds of the pipeline's state. Stalled: no consumer heartbeat for <see cref="HeartbeatTimeoutSeconds"/>,
/// or a consumer with a backlog that has stored nothing for <see cref="StalledAfterSeconds"/>. Lagging: more than
/// <see cref="LaggingAboveMessages"/> messages not consumed, or the newest sale stored more than
/// <see cref="LaggingDelaySeconds"/> after it was sold (while sales flow: stored within the last minute).
/// </summary>
public sealed record StatusThresholds(double HeartbeatTimeoutSeconds, double StalledAfterSeconds, long LaggingAboveMessages, double LaggingDelaySeconds);

/// <summary>The severities of an alert, as they appear in JSON.</summary>
public static class AlertSeverities
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Critical = "critical";
}

/// <summary>
/// One alert of <c>GET /alerts</c>: raised when its rule's condition became true for its subject (a showtime, a
/// theater, the pipeline), resolved when it stopped being true (null while open).
/// </summary>
/// <param name="Rule">sell_out_watch, quiet_theater, pipeline_stalled or dead_letters_rising.</param>
/// <param name="Subject">What it is about, e.g. <c>showtime:1042</c>, <c>theater:3</c>, <c>pipeline</c>.</param>
/// <param name="Details">The figures that raised it (an object; its fields depend on the rule).</param>
public sealed record Alert(
    long AlertId, string Rule, string Subject, string Severity, string Message, JsonElement Details, DateTimeOffset RaisedAt,
    DateTimeOffset? ResolvedAt);
