using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// A price as the event wrote it. JSON numbers have any precision and <see cref="decimal"/> has 28 digits, so
/// <c>9.7500000000000000000000000001</c> would quietly become 9.75: the text decides whether it is an amount in
/// cents, and only then is it read as a decimal.
/// </summary>
[JsonConverter(typeof(PriceJsonConverter))]
/// <param name="Text">The number as written.</param>
/// <param name="Amount">The amount, when the text is exactly a number of cents that a decimal holds; otherwise null.</param>
internal readonly record struct Price(string Text, decimal? Amount)
{
    public override string ToString() => Text;

    /// <summary>Whether a JSON number's text has at most two decimal places once its exponent is applied.</summary>
    public static bool IsWholeCents(ReadOnlySpan<char> number)
    {
        var e = number.IndexOfAny('e', 'E');
        var mantissa = e < 0 ? number : number[..e];
        var exponent = 0L;
        if (e >= 0 && !long.TryParse(number[(e + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out exponent))
        {
            return false;   // an exponent past 64 bits: nothing sensible
        }
        var point = mantissa.IndexOf('.');
        var fraction = point < 0 ? [] : mantissa[(point + 1)..];
        fraction = fraction.TrimEnd('0');
        var integer = (point < 0 ? mantissa : mantissa[..point]).TrimStart('-');
        // The value is digits × 10^(exponent - fraction.Length); trailing zeros of the integer part may absorb a negative scale.
        var scale = fraction.Length - exponent;
        if (fraction.Length == 0)
        {
            var trailingZeros = integer.Length - integer.TrimEnd('0').Length;
            scale = -exponent - trailingZeros;
        }
        return scale <= 2;
    }
}

internal sealed class PriceJsonConverter : JsonConverter<Price>
{
    public override Price Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number) throw new JsonException($"ticket_price must be a JSON number, was {reader.TokenType}");
        var text = Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        return new Price(text, Price.IsWholeCents(text) && reader.TryGetDecimal(out var value) ? value : null);
    }

    public override void Write(Utf8JsonWriter writer, Price value, JsonSerializerOptions options) => writer.WriteRawValue(value.Text);
}
