using System.Diagnostics;
using System.Text;

namespace Aspire.Confluent.Kafka;

/// <summary>
/// W3C trace-context propagation through Kafka message headers (<c>traceparent</c>, <c>tracestate</c>).
/// The registered producers inject it; batch consumers use <see cref="Extract"/> to link one batch
/// span to the spans that published its messages.
/// </summary>
public static class KafkaTraceContext
{
    /// <summary>The W3C <c>traceparent</c> header name.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The W3C <c>tracestate</c> header name.</summary>
    public const string TraceStateHeader = "tracestate";

    /// <summary>
    /// Writes <paramref name="activity"/>'s context into <paramref name="headers"/>, replacing any
    /// trace context already there. Does nothing when <paramref name="activity"/> is null.
    /// </summary>
    public static void Inject(Activity? activity, Headers headers)
    {
        if (activity is null)
        {
            return;
        }
        Inject(activity.Context, headers);
    }

    /// <summary>Writes <paramref name="context"/> into <paramref name="headers"/>; does nothing for a default context.</summary>
    public static void Inject(ActivityContext context, Headers headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (context == default)
        {
            return;
        }
        var flags = (context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00";
        var traceParent = $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{flags}";
        headers.Remove(TraceParentHeader);
        headers.Remove(TraceStateHeader);
        headers.Add(TraceParentHeader, Encoding.ASCII.GetBytes(traceParent));
        if (!string.IsNullOrEmpty(context.TraceState))
        {
            headers.Add(TraceStateHeader, Encoding.ASCII.GetBytes(context.TraceState));
        }
    }

    /// <summary>
    /// The (remote) context a producer injected into <paramref name="headers"/>, or
    /// <c>default</c> when there is none or it is malformed.
    /// </summary>
    public static ActivityContext Extract(Headers? headers) =>
        TryExtract(headers, out var context) ? context : default;

    /// <summary>Reads the (remote) context a producer injected into <paramref name="headers"/>.</summary>
    public static bool TryExtract(Headers? headers, out ActivityContext context)
    {
        context = default;
        if (headers is null || headers.Count == 0 || !headers.TryGetLastBytes(TraceParentHeader, out var traceParent) || traceParent is null)
        {
            return false;
        }
        string? traceState = headers.TryGetLastBytes(TraceStateHeader, out var state) && state is { Length: > 0 }
            ? Encoding.ASCII.GetString(state)
            : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(traceParent), traceState, isRemote: true, out context);
    }
}
