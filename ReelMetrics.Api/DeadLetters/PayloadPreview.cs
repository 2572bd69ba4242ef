using System.Globalization;
using System.Text;

namespace ReelMetrics.Api.DeadLetters;

/// <summary>
/// A payload made safe to show: whatever bytes a message carried (not UTF-8, control characters, bidi overrides that
/// reorder what a reader sees, markup), the preview is plain printable text that says exactly what is there. Invalid
/// UTF-8 bytes become <c>\xNN</c>, control, bidi-control and other invisible format characters <c>\u{NNNN}</c>, and a
/// backslash <c>\\</c> (so an escape in the payload cannot pass for one of ours); newlines and tabs stay. It is still
/// text for a text node: the JSON serializer escapes it for JSON, the dashboard never parses it as HTML.
/// </summary>
public static class PayloadPreview
{
    /// <summary>The escaped text of <paramref name="payload"/>, at most <paramref name="maxChars"/> characters, and whether it was cut.</summary>
    /// <param name="complete">Whether <paramref name="payload"/> is the whole payload (else it is cut at least there).</param>
    public static (string Text, bool Truncated) Text(ReadOnlySpan<byte> payload, int maxChars, bool complete = true)
    {
        var text = new StringBuilder(Math.Min(maxChars, payload.Length) + 16);
        var index = 0;
        while (index < payload.Length)
        {
            var status = Rune.DecodeFromUtf8(payload[index..], out var rune, out var consumed);
            if (status == System.Buffers.OperationStatus.NeedMoreData && !complete) break;   // a character cut by the head's end
            var piece = status == System.Buffers.OperationStatus.Done ? Escape(rune) : $"\\x{payload[index]:X2}";
            if (status != System.Buffers.OperationStatus.Done) consumed = 1;
            if (text.Length + piece.Length > maxChars) return (text.ToString(), true);
            text.Append(piece);
            index += consumed;
        }
        return (text.ToString(), !complete);
    }

    /// <summary>The first <paramref name="maxBytes"/> bytes as hexadecimal pairs separated by spaces.</summary>
    public static string Hex(ReadOnlySpan<byte> payload, int maxBytes)
    {
        var head = payload[..Math.Min(payload.Length, maxBytes)];
        var hex = new StringBuilder(head.Length * 3);
        foreach (var b in head)
        {
            if (hex.Length > 0) hex.Append(' ');
            hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }
        return hex.ToString();
    }

    private static string Escape(Rune rune)
    {
        if (rune.Value is '\n' or '\t') return rune.ToString();
        if (rune.Value == '\\') return "\\\\";
        var category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
            ? $"\\u{{{rune.Value:X4}}}"
            : rune.ToString();
    }
}
