using System.Text;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Text taken from a message (a theater name in an error, a key) in a form PostgreSQL, Kafka headers and logs always
/// accept: control characters (NUL above all, which PostgreSQL's text refuses) and unpaired surrogates (not
/// encodable as UTF-8) are escaped as <c>\uXXXX</c>, and the result is capped at a length, marked when cut.
/// </summary>
internal static class SafeText
{
    private const string Cut = "…";

    public static string Of(string value, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 16);
        if (value.Length <= maxLength && IsSafe(value)) return value;

        var text = new StringBuilder(Math.Min(value.Length, maxLength) + 8);
        var limit = maxLength - Cut.Length;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
            var piece = pair ? value.Substring(i, 2)
                : char.IsSurrogate(c) || char.IsControl(c) ? $"\\u{(int)c:x4}"
                : c.ToString();
            if (text.Length + piece.Length > limit)
            {
                return text.Append(Cut[0]).ToString();
            }
            text.Append(piece);
            if (pair) i++;
        }
        return text.ToString();
    }

    private static bool IsSafe(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c)) return false;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return false;
        }
        return true;
    }
}
