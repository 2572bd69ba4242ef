using System.Globalization;
using System.Text;
using CsCheck;
using ReelMetrics.Contracts.Catalog;
using ReelMetrics.Database.Catalog;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>What the consumer must make of a generated message.</summary>
internal enum Expect
{
    /// <summary>A valid sale: stored with exactly its facts, or counted as a duplicate of a sale already stored
    /// (or dead-lettered as overbooked, only when its showtime has no room left).</summary>
    Sale,

    /// <summary>Unusable: must end as a dead letter.</summary>
    DeadLetter,

    /// <summary>Left open by the contract (duplicate keys, JSON nested past the parser's limit, a byte-order mark…):
    /// a dead letter is fine, and so is a sale with one of the message's acceptable facts.</summary>
    Either,
}

/// <summary>What a stored sale must say. <see cref="SoldAt"/> is null for the original format (the Kafka timestamp).</summary>
internal sealed record SaleFacts(
    int TheaterId, int MovieId, long? ShowtimeId, DateOnly SaleDate, int Tickets, decimal Price, string Currency, string Channel, DateTimeOffset? SoldAt)
{
    public decimal Revenue => Tickets * Price;
}

/// <summary>
/// One generated message and its oracle. <see cref="EventId"/> identifies a contract event; an original-format event is
/// identified by its Kafka coordinates. <see cref="Facts"/> are the acceptable stored values (empty for a dead letter).
/// </summary>
internal sealed record MessageSpec(
    string Kind, byte[] Payload, string? Key, int Partition, Expect Expect, Guid? EventId, IReadOnlyList<SaleFacts> Facts,
    long? TimestampMs = null)
{
    public MessageSpec WithKey(string? key, string kind) => this with { Key = key, Kind = $"{Kind} + key: {kind}" };
}

/// <summary>An element of a generated batch: a new message, or one sent before, again.</summary>
internal abstract record BatchItem;

/// <summary>A new message.</summary>
internal sealed record Fresh(MessageSpec Spec) : BatchItem;

/// <summary>An earlier message of the same batch again (<see cref="Back"/> counts back from the end, modulo the count so far):
/// at the same Kafka coordinates (a redelivery) or at new ones (the producer sent it twice).</summary>
internal sealed record Echo(int Back, bool SameCoordinates) : BatchItem;

/// <summary>A message of an earlier batch again (<see cref="Pick"/> modulo the messages kept), at the same or at new coordinates.</summary>
internal sealed record Redelivery(int Pick, bool SameCoordinates) : BatchItem;

/// <summary>A JSON string: its decoded value and its literal (quotes included), which may escape anything.</summary>
internal readonly record struct JsonString(string Value, string Literal)
{
    /// <summary>A surrogate without its partner: not a Unicode scalar value, yet legal in JSON as an escape.</summary>
    public bool HasLoneSurrogate
    {
        get
        {
            for (var i = 0; i < Value.Length; i++)
            {
                if (char.IsHighSurrogate(Value[i]) && i + 1 < Value.Length && char.IsLowSurrogate(Value[i + 1])) i++;
                else if (char.IsSurrogate(Value[i])) return true;
            }
            return false;
        }
    }

    public static JsonString Plain(string value) => new(value, Json.Quote(value));

    /// <summary>Code points (surrogates allowed), each written raw or as a <c>\uXXXX</c> escape.</summary>
    public static JsonString Of(IEnumerable<(int CodePoint, bool Escape)> pieces)
    {
        var value = new StringBuilder();
        var literal = new StringBuilder("\"");
        foreach (var (codePoint, escape) in pieces)
        {
            if (codePoint >= 0x10000)
            {
                var pair = char.ConvertFromUtf32(codePoint);
                value.Append(pair);
                if (escape) literal.Append(CultureInfo.InvariantCulture, $"\\u{(int)pair[0]:X4}\\u{(int)pair[1]:x4}");
                else literal.Append(pair);
                continue;
            }
            var c = (char)codePoint;
            value.Append(c);
            if (char.IsSurrogate(c) || c < 0x20 || escape)
            {
                literal.Append(c switch
                {
                    '\n' when !escape => "\\n",
                    '\t' when !escape => "\\t",
                    _ => string.Create(CultureInfo.InvariantCulture, $"\\u{codePoint:x4}"),
                });
            }
            else if (c is '"' or '\\')
            {
                literal.Append('\\').Append(c);
            }
            else
            {
                literal.Append(c);
            }
        }
        return new(value.ToString(), literal.Append('"').ToString());
    }

    /// <summary>The string <paramref name="times"/> times over (a long string that is cheap to generate).</summary>
    public JsonString Repeat(int times)
    {
        if (times <= 1) return this;
        var inner = Literal[1..^1];
        return new(string.Concat(Enumerable.Repeat(Value, times)), "\"" + string.Concat(Enumerable.Repeat(inner, times)) + "\"");
    }
}

internal static class Json
{
    /// <summary>A JSON string literal for an ordinary string (quotes, backslashes and control characters escaped).</summary>
    public static string Quote(string value)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\') literal.Append('\\').Append(c);
            else if (c < 0x20 || char.IsSurrogate(c)) literal.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else literal.Append(c);
        }
        return literal.Append('"').ToString();
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>
/// A sale as a list of JSON members (name literal, raw value) with the facts it stands for, so that generators can
/// replace, drop or add members and say what the result must become.
/// </summary>
internal sealed record SaleDoc(bool Contract, IReadOnlyList<(string Name, string Value)> Members, SaleFacts Facts, Guid? EventId)
{
    public string Format => Contract ? "contract" : "original";

    public SaleDoc With(string name, string value)
    {
        var quoted = Json.Quote(name);
        var members = Members.ToList();
        var index = members.FindIndex(m => m.Name == quoted);
        if (index >= 0) members[index] = (quoted, value);
        else members.Add((quoted, value));
        return this with { Members = members };
    }

    public SaleDoc WithMember(string nameLiteral, string value) => this with { Members = [.. Members, (nameLiteral, value)] };

    public SaleDoc Without(string name)
    {
        var quoted = Json.Quote(name);
        return this with { Members = Members.Where(m => m.Name != quoted).ToList() };
    }

    public bool Has(string name) => Members.Any(m => m.Name == Json.Quote(name));

    public string Text(string separator = ",", string colon = ":") =>
        "{" + string.Join(separator, Members.Select(m => m.Name + colon + m.Value)) + "}";

    /// <summary>The message: keyed by theater id and on its partition, as the generator publishes contract events.</summary>
    public MessageSpec Spec(string kind, Expect expect, byte[]? payload = null, IReadOnlyList<SaleFacts>? facts = null) => new(
        $"{Format}/{kind}",
        payload ?? Json.Utf8(Text()),
        Contract ? Facts.TheaterId.ToString(CultureInfo.InvariantCulture) : null,
        Facts.TheaterId % 16,
        expect,
        EventId,
        expect == Expect.DeadLetter ? [] : facts ?? [Facts]);

    public MessageSpec Valid(string kind = "valid") => Spec(kind, Expect.Sale);
}

/// <summary>
/// CsCheck generators of messages for the consumer: valid sales of both formats (for today's seeded showtimes) and every
/// kind of hostile input, each with what it must become.
/// </summary>
internal sealed class HostileMessages
{
    /// <summary>The broker's largest message is 1 MiB; stay just under it.</summary>
    public const int HugeBytes = 1_000_000;

    public static readonly string[] IsoCurrencies = ["USD", "EUR", "GBP", "JPY", "CAD", "MXN", "CHF", "AUD"];
    private static readonly string[] Channels = ["online", "box_office", "kiosk"];
    private static readonly string[] ContractFields =
        ["event_id", "sold_at", "theater_id", "theater_name", "movie_id", "movie_title", "showtime_id", "showtime", "sale_date", "tickets_sold", "ticket_price", "currency", "channel"];
    private static readonly string[] OriginalFields = ["theater_name", "movie_title", "sale_date", "ticket_price", "tickets_sold"];

    private readonly IReadOnlyList<Showtime> showtimes;
    private readonly IReadOnlyList<Showtime> hot;
    private readonly IReadOnlyList<Showtime> yesterday;
    private readonly DateOnly today;

    public HostileMessages(DateOnly today)
    {
        this.today = today;
        showtimes = SeedCatalog.ShowtimesOn(today).ToList();
        // A few small rooms get a share of the sales, some of 100 tickets: they fill up, so overbooking happens.
        hot = showtimes.OrderBy(s => s.Capacity).ThenBy(s => s.ShowtimeId).Take(8).ToList();
        yesterday = SeedCatalog.ShowtimesOn(today.AddDays(-1)).ToList();
        Capacities = showtimes.ToDictionary(s => s.ShowtimeId, s => s.Capacity);

        ContractSale = BuildContractSale();
        OriginalSale = BuildOriginalSale();
        AnySale = Gen.Frequency<SaleDoc>((2, ContractSale), (1, OriginalSale));
        Valid = Gen.Frequency<MessageSpec>((2, ContractSale.Select(s => s.Valid())), (1, OriginalSale.Select(s => s.Valid())));
        UnicodeString = Pieces(loneSurrogates: true).Array[0, 24].Select(JsonString.Of);
        LongUnicodeString = Gen.Select(Pieces(loneSurrogates: true).Array[1, 16], Gen.Int[100, 20_000], (p, n) => JsonString.Of(p).Repeat(n));
        Keys = BuildKeys();
        RandomBytes = BuildRandomBytes();
        Unicode = BuildUnicode();
        Numbers = BuildNumbers();
        NumbersAsStrings = BuildNumbersAsStrings();
        Currencies = BuildCurrencies();
        Dates = BuildDates();
        Shapes = BuildShapes();
        HostileKeys = Gen.Select(Gen.Frequency<MessageSpec>((1, Valid), (1, RandomBytes), (1, Shapes)), Keys, (m, k) => m.WithKey(k.Key, k.Kind));
        Huge = BuildHuge();
    }

    /// <summary>Seats of each of today's showtimes.</summary>
    public IReadOnlyDictionary<long, int> Capacities { get; }

    public Gen<SaleDoc> ContractSale { get; }
    public Gen<SaleDoc> OriginalSale { get; }
    public Gen<SaleDoc> AnySale { get; }

    /// <summary>Valid sales of both formats.</summary>
    public Gen<MessageSpec> Valid { get; }

    /// <summary>Up to 24 code points from every plane, controls and NUL included, some as escapes, some lone surrogates.</summary>
    public Gen<JsonString> UnicodeString { get; }

    /// <summary>The same, repeated to up to a few hundred thousand characters.</summary>
    public Gen<JsonString> LongUnicodeString { get; }

    /// <summary>Kafka keys: none, empty, NUL and control characters, any Unicode, decoded garbage, very long.</summary>
    public Gen<(string? Key, string Kind)> Keys { get; }

    /// <summary>Random bytes, empty, invalid UTF-8, NUL bytes, broken and truncated JSON.</summary>
    public Gen<MessageSpec> RandomBytes { get; }

    /// <summary>Valid JSON with arbitrary Unicode in one string member (or an extra member), both formats.</summary>
    public Gen<MessageSpec> Unicode { get; }

    /// <summary>Numbers at and past every limit in every numeric member.</summary>
    public Gen<MessageSpec> Numbers { get; }

    /// <summary>Numbers written as JSON strings: the wrong type (docs/events.md: invalid_json).</summary>
    public Gen<MessageSpec> NumbersAsStrings { get; }

    /// <summary>Currencies of the right shape that are not ISO 4217 codes (docs/events.md: invalid_field).</summary>
    public Gen<MessageSpec> Currencies { get; }

    /// <summary>Dates and instants at the edges of time, odd offsets, and garbage.</summary>
    public Gen<MessageSpec> Dates { get; }

    /// <summary>Deep nesting, duplicate keys, wrong types, null, top-level arrays, missing members, trailing garbage.</summary>
    public Gen<MessageSpec> Shapes { get; }

    /// <summary>Valid and hostile messages under hostile keys.</summary>
    public Gen<MessageSpec> HostileKeys { get; }

    /// <summary>Messages and keys of about a megabyte.</summary>
    public Gen<MessageSpec> Huge { get; }

    /// <summary>Every kind of message, valid sales about half of them, and a rare megabyte.</summary>
    public Gen<MessageSpec> Anything => Gen.Frequency<MessageSpec>(
        (4_500, Valid), (600, RandomBytes), (1_100, Unicode), (900, Numbers), (700, Dates), (900, Shapes), (600, HostileKeys),
        (150, NumbersAsStrings), (100, Currencies), (2, Huge));

    /// <summary>
    /// Batches of 1 to <paramref name="maxBatch"/> items: messages from <paramref name="messages"/>, and, in the given
    /// percentages, the same message again within the batch or from an earlier batch (at the same or at new coordinates).
    /// </summary>
    public static Gen<BatchItem[]> Batches(Gen<MessageSpec> messages, int maxBatch, int echoPercent = 0, int redeliveryPercent = 0)
    {
        var fresh = messages.Select(BatchItem (m) => new Fresh(m));
        var echo = Gen.Select(Gen.Int[0, 50], Gen.Bool, BatchItem (back, same) => new Echo(back, same));
        var redelivery = Gen.Select(Gen.Int[0, int.MaxValue], Gen.Bool, BatchItem (pick, same) => new Redelivery(pick, same));
        var item = echoPercent + redeliveryPercent == 0
            ? fresh
            : Gen.Frequency<BatchItem>((100 - echoPercent - redeliveryPercent, fresh), (echoPercent, echo), (redeliveryPercent, redelivery));
        // A quarter of the batches are small: realistic (a quiet topic), and CsCheck shrinks by sampling smaller batches.
        var length = Gen.Frequency<int>((1, Gen.Int[1, Math.Min(20, maxBatch)]), (3, Gen.Int[1, maxBatch]));
        return length.SelectMany(n => item.Array[n]);
    }

    private Gen<SaleDoc> BuildContractSale()
    {
        var showtime = Gen.Frequency<Showtime>(
            (85, Gen.Int[0, showtimes.Count - 1].Select(i => showtimes[i])),
            (15, Gen.Int[0, hot.Count - 1].Select(i => hot[i])));
        var tickets = Gen.Frequency<int>((92, Gen.Int[1, 4]), (8, Gen.OneOf(1, 2, 10, 50, 99, 100)));
        var currency = Gen.Frequency<string>((90, Gen.Const("USD")), (10, Gen.OneOf(IsoCurrencies)));
        var cents = Gen.Frequency<int>((60, Gen.Const(0)), (40, Gen.Int[1, 10_000]));   // 0: the showtime's base price
        // Sold today, to the microsecond (what PostgreSQL keeps).
        var soldAt = Gen.Long[0, 86_400_000_000L - 1].Select(us => new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddTicks(us * 10));
        var id = Gen.Guid.Where(g => g != Guid.Empty);
        return Gen.Select(showtime, tickets, Gen.OneOf(Channels), currency, cents, id, soldAt, (st, n, channel, cur, c, eventId, sold) =>
        {
            var price = c == 0 ? st.BasePrice : c / 100m;
            var facts = new SaleFacts(st.TheaterId, st.MovieId, st.ShowtimeId, st.BusinessDate, n, price, cur, channel, sold);
            var theater = SeedCatalog.Theaters[st.TheaterId - 1];
            var movie = SeedCatalog.Movies[st.MovieId - 1];
            (string, string)[] members =
            [
                ("\"event_id\"", Json.Quote(eventId.ToString("D"))),
                ("\"sold_at\"", Json.Quote(sold.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture))),
                ("\"theater_id\"", Int(st.TheaterId)),
                ("\"theater_name\"", Json.Quote(theater.Name)),
                ("\"movie_id\"", Int(st.MovieId)),
                ("\"movie_title\"", Json.Quote(movie.Title)),
                ("\"showtime_id\"", Int(st.ShowtimeId)),
                ("\"showtime\"", Json.Quote(st.StartsAt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture))),
                ("\"sale_date\"", Json.Quote(Date(st.BusinessDate))),
                ("\"tickets_sold\"", Int(n)),
                ("\"ticket_price\"", price.ToString(CultureInfo.InvariantCulture)),
                ("\"currency\"", Json.Quote(cur)),
                ("\"channel\"", Json.Quote(channel)),
            ];
            return new SaleDoc(true, members, facts, eventId);
        });
    }

    private Gen<SaleDoc> BuildOriginalSale()
    {
        var date = Gen.Frequency<DateOnly>(
            (92, Gen.Int[-400, 30].Select(d => today.AddDays(d))),
            (8, Gen.OneOf(DateOnly.MinValue, DateOnly.MaxValue, new DateOnly(2024, 2, 29), new DateOnly(2000, 2, 29), new DateOnly(1970, 1, 1))));
        var tickets = Gen.Frequency<int>((95, Gen.Int[1, 4]), (5, Gen.OneOf(1, 100)));
        // Names are resolved case-insensitively (docs/events.md): as seeded, upper case, lower case or mixed.
        var casing = Gen.Frequency<int>((70, Gen.Const(0)), (30, Gen.Int[1, int.MaxValue]));
        return Gen.Select(Gen.Int[0, SeedCatalog.Theaters.Count - 1], Gen.Int[0, SeedCatalog.Movies.Count - 1], casing, date, tickets, Gen.Int[1, 10_000],
            (t, m, mask, day, n, cents) =>
            {
                var theater = SeedCatalog.Theaters[t];
                var movie = SeedCatalog.Movies[m];
                var price = cents / 100m;
                var facts = new SaleFacts(theater.TheaterId, movie.MovieId, null, day, n, price, "USD", "box_office", null);
                (string, string)[] members =
                [
                    ("\"theater_name\"", Json.Quote(Recase(theater.Name, mask))),
                    ("\"movie_title\"", Json.Quote(Recase(movie.Title, mask >> 7))),
                    ("\"sale_date\"", Json.Quote(Date(day))),
                    ("\"ticket_price\"", price.ToString(CultureInfo.InvariantCulture)),
                    ("\"tickets_sold\"", Int(n)),
                ];
                return new SaleDoc(false, members, facts, null);
            });
    }

    private static Gen<(int CodePoint, bool Escape)> Pieces(bool loneSurrogates)
    {
        var codePoint = Gen.Frequency<int>(
            (30, Gen.Int[0x20, 0x7E]),                     // printable ASCII, quote and backslash included
            (8, Gen.Int[0x00, 0x1F]),                      // C0 controls
            (4, Gen.Const(0x00)),                          // NUL, often
            (4, Gen.Int[0x7F, 0x9F]),                      // DEL and C1 controls
            (12, Gen.Int[0xA0, 0xD7FF]),                   // the rest of the BMP below the surrogates
            (6, Gen.Int[0xE000, 0xFFFD]),                  // private use and above
            (6, Gen.OneOf(0xFFFE, 0xFFFF, 0xFDD0, 0xFEFF, 0x200B, 0x200D, 0x2028, 0x2029, 0x0301, 0x034F,
                0x200E, 0x200F, 0x061C, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)),  // noncharacters, BOM, zero-width, bidi
            (10, Gen.Int[0x10000, 0x10FFFF]),              // every supplementary plane
            (4, Gen.Int[0x1F300, 0x1FAFF]));               // emoji
        var piece = Gen.Select(codePoint, Gen.Frequency<bool>((3, Gen.Const(false)), (1, Gen.Const(true))));
        if (!loneSurrogates) return piece;
        var lone = Gen.Frequency<int>((1, Gen.Int[0xD800, 0xDBFF]), (1, Gen.Int[0xDC00, 0xDFFF]), (1, Gen.OneOf(0xD800, 0xDBFF, 0xDC00, 0xDFFF)));
        return Gen.Frequency<(int, bool)>((97, piece), (3, lone.Select(c => (c, true))));
    }

    private static Gen<(string? Key, string Kind)> BuildKeys()
    {
        var clean = Pieces(loneSurrogates: false);
        return Gen.Frequency<(string?, string)>(
            (10, Gen.Const<(string?, string)>((null, "no key"))),
            (10, Gen.Const<(string?, string)>(("", "empty key"))),
            (10, Gen.OneOf<(string?, string)>(("\0", "key NUL"), ("1\0", "key with NUL"), ("\0\0\0\0", "key of NULs"), ("\u0001\u001f\u007f\u0085\u009f", "key of control characters"), ("\u202e\u2066", "key of bidi controls"))),
            (20, clean.Array[1, 40].Select<(int, bool)[], (string?, string)>(p => (JsonString.Of(p).Value, "key of Unicode"))),
            (10, Gen.Byte.Array[1, 40].Select<byte[], (string?, string)>(b => (Encoding.UTF8.GetString(b), "key of decoded random bytes"))),
            (5, Gen.Int[10_000, 200_000].Select<int, (string?, string)>(n => (new string('k', n), $"key of {n} characters"))),
            (2, Gen.Select(clean.Array[1, 8], Gen.Int[1_000, 30_000]).Select<((int, bool)[], int), (string?, string)>(t =>
            {
                var value = JsonString.Of(t.Item1).Repeat(t.Item2).Value;
                return (value, $"key of {value.Length} Unicode characters");
            })));
    }

    private Gen<MessageSpec> BuildRandomBytes()
    {
        MessageSpec Dead(string kind, byte[] payload) => new($"bytes/{kind}", payload, null, 0, Expect.DeadLetter, null, []);
        byte[][] invalidUtf8 =
        [
            [0xFF], [0xFE, 0xFF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3], [0xE2, 0x82], [0x80], [0xBF, 0xBF],
        ];
        var invalid = Gen.Int[0, invalidUtf8.Length - 1].Select(i => invalidUtf8[i]);
        // Where in a valid sale the bytes go: inside a member the consumer reads, inside one it ignores, or between tokens.
        var spliced = Gen.Select(AnySale, invalid, Gen.Int[0, 2], (sale, bad, where) =>
        {
            var (member, expect) = where switch
            {
                // The contract's names are informative: a parser may skip them unread, or reject the text.
                0 => ("theater_name", sale.Contract ? Expect.Either : Expect.DeadLetter),
                1 => ("comment", Expect.Either),
                _ => ("", Expect.DeadLetter),
            };
            const string Marker = "@@BAD@@";
            var text = member == "" ? sale.Text().Insert(1, Marker) : sale.With(member, Json.Quote(Marker)).Text();
            var utf8 = Json.Utf8(text);
            var at = utf8.AsSpan().IndexOf(Json.Utf8(Marker));
            byte[] payload = [.. utf8.AsSpan(0, at), .. bad, .. utf8.AsSpan(at + Marker.Length)];
            var label = $"invalid UTF-8 in {(member == "" ? "the object" : member)}: {Convert.ToHexString(bad)}";
            return expect == Expect.DeadLetter ? Dead(label, payload) : sale.Spec(label, expect, payload);
        });
        var nul = Gen.Select(AnySale, Gen.Int[0, 2], (sale, where) =>
        {
            var text = Json.Utf8(sale.Text());
            var at = where switch { 0 => 0, 1 => text.Length, _ => text.Length / 2 };
            return Dead($"raw NUL byte: at {at}", [.. text.AsSpan(0, at), 0, .. text.AsSpan(at)]);
        });
        var truncated = Gen.Select(AnySale, Gen.Double.Unit, (sale, f) =>
        {
            var text = Json.Utf8(sale.Text());
            var length = (int)(f * (text.Length - 1));
            return Dead($"truncated sale: {length} bytes", text[..length]);
        });
        return Gen.Frequency<MessageSpec>(
            (5, Gen.Const(() => Dead("empty", []))),
            (30, Gen.Byte.Array[1, 300].Select(b => Dead("random", b))),
            (10, Gen.Byte.Array[1, 64].Select(b => Dead("random with NULs", [0, .. b, 0, 0]))),
            (10, Gen.Const(() => Dead("NUL bytes", new byte[16]))),
            (15, spliced), (10, nul), (15, truncated));
    }

    private Gen<MessageSpec> BuildUnicode()
    {
        var text = Gen.Frequency<JsonString>((92, UnicodeString), (8, LongUnicodeString));
        return Gen.Select(AnySale, Gen.Int[0, 100], text, text, (sale, pick, value, name) =>
        {
            string[] members = sale.Contract
                ? ["event_id", "sold_at", "theater_name", "movie_title", "showtime", "sale_date", "currency", "channel", "extra", "extra", "extra"]
                : ["theater_name", "movie_title", "sale_date", "extra", "extra"];
            var member = members[pick % members.Length];
            var kind = $"unicode {member}";
            if (member == "extra")
            {
                // An extra member the consumer does not know: ignored, whatever its name and value.
                var known = ContractFields.Any(f => string.Equals(f, name.Value, StringComparison.OrdinalIgnoreCase));
                var ignored = sale.WithMember(name.Literal, value.Literal);
                return ignored.Spec("unicode extra member", known || name.HasLoneSurrogate || value.HasLoneSurrogate ? Expect.Either : Expect.Sale);
            }
            var doc = sale.With(member, value.Literal);
            var s = value.Value;
            return (sale.Contract, member) switch
            {
                (true, "theater_name" or "movie_title") => doc.Spec(kind, value.HasLoneSurrogate ? Expect.Either : Expect.Sale),
                (true, "event_id") => Guid.TryParseExact(s, "D", out var g) && g != Guid.Empty
                    ? (doc with { EventId = g }).Spec(kind, Expect.Either)
                    : doc.Spec(kind, Expect.DeadLetter),
                (true, "currency") => s.Length == 3 && s.All(char.IsAsciiLetterUpper)
                    ? doc.Spec(kind, Expect.Either, facts: [sale.Facts with { Currency = s }])
                    : doc.Spec(kind, Expect.DeadLetter),
                (true, "channel") => Channels.Contains(s)
                    ? doc.Spec(kind, Expect.Sale, facts: [sale.Facts with { Channel = s }])
                    : doc.Spec(kind, Expect.DeadLetter),
                (false, "theater_name") => OriginalName(doc, kind, value, SeedCatalog.Theaters.Select(t => (t.TheaterId, t.Name)), (f, id) => f with { TheaterId = id }),
                (false, "movie_title") => OriginalName(doc, kind, value, SeedCatalog.Movies.Select(m => (m.MovieId, m.Title)), (f, id) => f with { MovieId = id }),
                // A date or an instant: random text is not one (a generated valid one would be a one in 10^20 event).
                _ => doc.Spec(kind, Expect.DeadLetter),
            };
        });
    }

    /// <summary>An original-format name: a seeded one (any case) resolves; one with spaces around it may; others do not.</summary>
    private static MessageSpec OriginalName(SaleDoc doc, string kind, JsonString value, IEnumerable<(int Id, string Name)> names, Func<SaleFacts, int, SaleFacts> resolve)
    {
        var exact = names.Where(n => string.Equals(n.Name, value.Value, StringComparison.OrdinalIgnoreCase)).Select(n => n.Id).ToList();
        if (exact.Count > 0) return doc.Spec(kind, Expect.Sale, facts: [resolve(doc.Facts, exact[0])]);
        var trimmed = names.Where(n => string.Equals(n.Name, value.Value.Trim(), StringComparison.OrdinalIgnoreCase)).Select(n => n.Id).ToList();
        return trimmed.Count > 0 ? doc.Spec(kind, Expect.Either, facts: [resolve(doc.Facts, trimmed[0])]) : doc.Spec(kind, Expect.DeadLetter);
    }

    private Gen<MessageSpec> BuildNumbers()
    {
        // (literal, what it must become, the tickets or price it stands for when it may be stored)
        (string, Expect, int)[] tickets =
        [
            ("0", Expect.DeadLetter, 0), ("-0", Expect.DeadLetter, 0), ("1", Expect.Sale, 1), ("2", Expect.Sale, 2), ("100", Expect.Sale, 100),
            ("101", Expect.DeadLetter, 0), ("-1", Expect.DeadLetter, 0), ("2147483647", Expect.DeadLetter, 0), ("-2147483648", Expect.DeadLetter, 0),
            ("2147483648", Expect.DeadLetter, 0), ("-2147483649", Expect.DeadLetter, 0), ("99999999999999999999999", Expect.DeadLetter, 0),
            ("1.5", Expect.DeadLetter, 0), ("0.5", Expect.DeadLetter, 0), ("99.9", Expect.DeadLetter, 0), ("1e400", Expect.DeadLetter, 0),
            ("-1e400", Expect.DeadLetter, 0), ("1e-400", Expect.DeadLetter, 0),
            // Integral values in other notations: JSON numbers equal to an integer; accepting or rejecting them are both defensible.
            ("1.0", Expect.Either, 1), ("2.000", Expect.Either, 2), ("1e0", Expect.Either, 1), ("1E1", Expect.Either, 10), ("1e2", Expect.Either, 100),
            ("0.1e1", Expect.Either, 1), ("100.0", Expect.Either, 100),
        ];
        (string, Expect, decimal)[] prices =
        [
            ("0", Expect.DeadLetter, 0), ("0.00", Expect.DeadLetter, 0), ("-0", Expect.DeadLetter, 0), ("-0.01", Expect.DeadLetter, 0),
            ("-1", Expect.DeadLetter, 0), ("0.01", Expect.Sale, 0.01m), ("0.010", Expect.Sale, 0.01m), ("1", Expect.Sale, 1m),
            ("99.99", Expect.Sale, 99.99m), ("100", Expect.Sale, 100m), ("100.00", Expect.Sale, 100m), ("100.000000", Expect.Sale, 100m),
            ("9.750", Expect.Sale, 9.75m), ("975e-2", Expect.Sale, 9.75m), ("9.75E0", Expect.Sale, 9.75m), ("1E1", Expect.Sale, 10m),
            ("1e2", Expect.Sale, 100m), ("0.0001e2", Expect.Sale, 0.01m),
            ("100.001", Expect.DeadLetter, 0), ("100.01", Expect.DeadLetter, 0), ("0.001", Expect.DeadLetter, 0), ("0.015", Expect.DeadLetter, 0),
            ("1e28", Expect.DeadLetter, 0), ("1e29", Expect.DeadLetter, 0), ("79228162514264337593543950335", Expect.DeadLetter, 0),
            ("79228162514264337593543950336", Expect.DeadLetter, 0), ("1e400", Expect.DeadLetter, 0), ("-1e400", Expect.DeadLetter, 0),
            ("1e-400", Expect.DeadLetter, 0), ("0.0000000000000000000000000000001", Expect.DeadLetter, 0),
            // A fraction of a cent past decimal's 28 digits: still not a whole number of cents.
            ("9.7500000000000000000000000001", Expect.DeadLetter, 0), ("12.349999999999999999999999999999", Expect.DeadLetter, 0),
            ("100.00000000000000000000000001", Expect.DeadLetter, 0),
        ];
        var number = Gen.Select(AnySale, Gen.Int[0, 9_999], (sale, pick) =>
        {
            var which = pick % (sale.Contract ? 5 : 2);
            if (which == 0)
            {
                var (literal, expect, value) = tickets[pick / 5 % tickets.Length];
                return sale.With("tickets_sold", literal).Spec($"tickets_sold: {literal}", expect, facts: [sale.Facts with { Tickets = value }]);
            }
            if (which == 1)
            {
                var (literal, expect, value) = prices[pick / 5 % prices.Length];
                return sale.With("ticket_price", literal).Spec($"ticket_price: {literal}", expect, facts: [sale.Facts with { Price = value }]);
            }
            // Ids (contract only): out of range, unknown, or of another showtime, theater, movie or day.
            var st = sale.Facts.ShowtimeId!.Value;
            var other = showtimes[pick % showtimes.Count];
            var old = yesterday[pick % yesterday.Count];
            string[] showtimeIds =
            [
                "0", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1e19", "1.5", "-0", "42",
                Int(other.ShowtimeId), Int(old.ShowtimeId), Int(st + 100_000_000), $"{st}.0", $"{st}e0", $"{st}1",
            ];
            string[] ids = ["0", "-1", "37", "2147483647", "-2147483648", "2147483648", "1e10", "1.5", "-0"];
            var index = pick / 5 % (ids.Length + 1);
            return which switch
            {
                2 => Ident("showtime_id", showtimeIds[pick / 5 % showtimeIds.Length]),
                3 => Ident("theater_id", index < ids.Length ? ids[index] : Int(other.TheaterId)),   // the last: another theater (or the same)
                _ => Ident("movie_id", index < ids.Length ? ids[index] : Int(other.MovieId)),
            };

            MessageSpec Ident(string member, string literal)
            {
                var doc = sale.With(member, literal);
                var same = member switch
                {
                    "showtime_id" => literal == Int(st),
                    "theater_id" => literal == Int(sale.Facts.TheaterId),
                    _ => literal == Int(sale.Facts.MovieId),
                };
                // Integral notations of the right id (12.0, 12e0) are left open, like the tickets above.
                var integral = literal == $"{st}.0" || literal == $"{st}e0";
                return doc.Spec($"{member}: {literal}", same ? Expect.Sale : integral ? Expect.Either : Expect.DeadLetter);
            }
        });
        return number;
    }

    private Gen<MessageSpec> BuildNumbersAsStrings() =>
        Gen.Select(AnySale, Gen.Int[0, 4], (sale, pick) =>
        {
            string[] members = sale.Contract ? ["tickets_sold", "ticket_price", "theater_id", "movie_id", "showtime_id"] : ["tickets_sold", "ticket_price"];
            var member = members[pick % members.Length];
            var raw = sale.Members.Single(m => m.Name == Json.Quote(member)).Value;
            return sale.With(member, Json.Quote(raw)).Spec($"string for a number: {member} \"{raw}\"", Expect.DeadLetter);
        });

    private Gen<MessageSpec> BuildCurrencies() =>
        Gen.Select(ContractSale, Gen.OneOf("QQQ", "ZZZ", "ABC", "AAA", "USX", "XYZ"),
            (sale, code) => sale.With("currency", Json.Quote(code)).Spec($"currency: {code}", Expect.DeadLetter));

    private Gen<MessageSpec> BuildDates()
    {
        var t = Date(today);
        // (sold_at literal, must become, the instant it stands for)
        var noon = today.ToDateTime(new TimeOnly(12, 0));
        (string, Expect, DateTimeOffset)[] instants =
        [
            ("0001-01-01T00:00:00+14:00", Expect.DeadLetter, default),   // before the first representable instant
            ("0001-01-01T00:00:00-14:00", Expect.Sale, new DateTimeOffset(1, 1, 1, 14, 0, 0, TimeSpan.Zero)),
            ("0001-01-01T00:00:00Z", Expect.Sale, DateTimeOffset.MinValue),
            ("0001-01-01T00:00:00.000001+00:00", Expect.Sale, DateTimeOffset.MinValue.AddTicks(10)),
            ("9999-12-31T23:59:59.9999999-14:00", Expect.DeadLetter, default),   // past the last representable instant
            ("9999-12-31T23:59:59.999999+14:00", Expect.Sale, new DateTimeOffset(9999, 12, 31, 9, 59, 59, TimeSpan.Zero).AddTicks(9_999_990)),
            ("9999-12-31T23:59:59.999999Z", Expect.Sale, DateTimeOffset.MaxValue.AddTicks(-9)),
            ("9999-12-31T23:59:59.9999999+00:00", Expect.Sale, DateTimeOffset.MaxValue),
            ("1970-01-01T00:00:00Z", Expect.Sale, DateTimeOffset.UnixEpoch),
            ("1969-12-31T23:59:59.999999Z", Expect.Sale, DateTimeOffset.UnixEpoch.AddTicks(-10)),
            ($"{t}T12:00:00+14:00", Expect.Sale, new DateTimeOffset(today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(14))),
            ($"{t}T12:00:00-14:00", Expect.Sale, new DateTimeOffset(today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(-14))),
            ($"{t}T12:00:00+05:45", Expect.Sale, new DateTimeOffset(today.ToDateTime(new TimeOnly(12, 0)), new TimeSpan(5, 45, 0))),
            ($"{t}T12:00:00+14:01", Expect.DeadLetter, default), ($"{t}T12:00:00-14:01", Expect.DeadLetter, default),
            ($"{t}T12:00:00+15:00", Expect.DeadLetter, default), ($"{t}T12:00:00+99:99", Expect.DeadLetter, default),
            ("2025-02-30T00:00:00Z", Expect.DeadLetter, default), ("2025-13-01T00:00:00Z", Expect.DeadLetter, default),
            ("2025-00-10T00:00:00Z", Expect.DeadLetter, default), ($"{t}T24:00:01Z", Expect.DeadLetter, default),
            ($"{t}T12:61:00Z", Expect.DeadLetter, default), ("0000-01-01T00:00:00Z", Expect.DeadLetter, default),
            ("10000-01-01T00:00:00Z", Expect.DeadLetter, default), ("-0001-01-01T00:00:00Z", Expect.DeadLetter, default),
            ("", Expect.DeadLetter, default), ("yesterday", Expect.DeadLetter, default), ("0", Expect.DeadLetter, default),
            // More digits than ticks, a basic-format offset: readings may differ, dead letters are fine.
            ($"{t}T12:00:00.123456789Z", Expect.Either, new DateTimeOffset(noon, TimeSpan.Zero).AddTicks(1_234_567)),
            ($"{t}T12:00:00+1400", Expect.Either, new DateTimeOffset(noon, TimeSpan.FromHours(14))),
        ];
        // No offset (UTC or the machine's zone?) and a leap second (23:59:59 or midnight?): either reading, or a dead letter.
        (string, DateTimeOffset[])[] ambiguous =
        [
            ($"{t}T12:00:00", [new DateTimeOffset(noon, TimeSpan.Zero), new DateTimeOffset(DateTime.SpecifyKind(noon, DateTimeKind.Local))]),
            ($"{t}T23:59:60Z", [new DateTimeOffset(today.ToDateTime(new TimeOnly(23, 59, 59)), TimeSpan.Zero), new DateTimeOffset(today.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)]),
        ];
        // Dates of the original format: any real day is a sale day there; impossible days and other notations are not.
        (string, Expect, DateOnly)[] days =
        [
            ("0001-01-01", Expect.Sale, DateOnly.MinValue), ("9999-12-31", Expect.Sale, DateOnly.MaxValue), ("2024-02-29", Expect.Sale, new(2024, 2, 29)),
            ("1900-02-28", Expect.Sale, new(1900, 2, 28)), ("1900-02-29", Expect.DeadLetter, default), ("2023-02-29", Expect.DeadLetter, default),
            ("2025-02-30", Expect.DeadLetter, default), ("2025-13-01", Expect.DeadLetter, default), ("2025-00-01", Expect.DeadLetter, default),
            ("2025-01-32", Expect.DeadLetter, default), ("0000-01-01", Expect.DeadLetter, default), ("10000-01-01", Expect.DeadLetter, default),
            ("-2025-01-01", Expect.DeadLetter, default), ("", Expect.DeadLetter, default), ("today", Expect.DeadLetter, default),
            ("2025/03/11", Expect.DeadLetter, default), ("11-03-2025", Expect.DeadLetter, default),
            ("2025-3-1", Expect.Either, new(2025, 3, 1)), ("20250311", Expect.Either, new(2025, 3, 11)),
            ("2025-03-11T00:00:00", Expect.Either, new(2025, 3, 11)), (" 2025-03-11", Expect.Either, new(2025, 3, 11)),
        ];
        // Kafka timestamps (ms since 1970) of original-format sales, their sold_at: just after the epoch, the epoch, none (-1),
        // far ahead, the last representable millisecond and past it, and nonsense.
        var maxMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
        long[] timestamps = [1, 0, -1, 2_147_483_648_000, 32_503_680_000_000, maxMs, maxMs + 1, long.MaxValue, long.MinValue];
        return Gen.Select(AnySale, Gen.Int[0, 9_999], (sale, pick) =>
        {
            if (sale.Contract)
            {
                if (pick % 20 == 1)
                {
                    var (literal, readings) = ambiguous[pick / 20 % ambiguous.Length];
                    return sale.With("sold_at", Json.Quote(literal)).Spec($"sold_at: {literal}", Expect.Either, facts: readings.Select(r => sale.Facts with { SoldAt = r }).ToList());
                }
                if (pick % 3 != 0)
                {
                    var (literal, expect, instant) = instants[pick / 3 % instants.Length];
                    return sale.With("sold_at", Json.Quote(literal)).Spec($"sold_at: {literal}", expect, facts: [sale.Facts with { SoldAt = instant }]);
                }
                // The contract's sale_date must be the showtime's business date: any other is a mismatch.
                string[] other = ["0001-01-01", "9999-12-31", Date(today.AddDays(-1)), Date(today.AddDays(1)), "2025-02-30", "", t + " "];
                var date = other[pick / 3 % other.Length];
                return sale.With("sale_date", Json.Quote(date)).Spec($"sale_date: {date}", Expect.DeadLetter);
            }
            if (pick % 4 == 0)
            {
                var at = timestamps[pick / 4 % timestamps.Length];
                return sale.Spec($"Kafka timestamp: {at} ms", Expect.Sale, facts: [sale.Facts]) with { TimestampMs = at };
            }
            var (day, dayExpect, value) = days[pick / 4 % days.Length];
            return sale.With("sale_date", Json.Quote(day)).Spec($"sale_date: {day}", dayExpect, facts: [sale.Facts with { SaleDate = value }]);
        });
    }

    private Gen<MessageSpec> BuildShapes()
    {
        MessageSpec Dead(string kind, string text) => new($"shape/{kind}", Json.Utf8(text), null, 0, Expect.DeadLetter, null, []);
        var topLevel = Gen.Select(AnySale, Gen.Int[0, 12], (sale, pick) => pick switch
        {
            0 => Dead("null", "null"),
            1 => Dead("top-level empty array", "[]"),
            2 => Dead("top-level array holding a valid sale", "[" + sale.Text() + "]"),
            3 => Dead("top-level string", Json.Quote(sale.Text())),
            4 => Dead("top-level number", "3"),
            5 => Dead("top-level true", "true"),
            6 => Dead("empty object", "{}"),
            7 => Dead("whitespace only", " \t\r\n "),
            8 => Dead("two sales in one message", sale.Text() + sale.Text()),
            9 => Dead("trailing garbage", sale.Text() + "x"),
            10 => Dead("trailing comma", sale.Text()[..^1] + ",}"),
            11 => Dead("comment", sale.Text()[..^1] + "/* comment */}"),
            _ => Dead("single quotes", sale.Text().Replace('"', '\'')),
        });
        var nesting = Gen.Select(AnySale, Gen.OneOf(2, 10, 62, 63, 64, 65, 100, 1_000, 100_000), Gen.Int[0, 4], UnicodeString, (sale, depth, pick, name) =>
        {
            var arrays = new string('[', depth) + new string(']', depth);
            var objects = string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
            return pick switch
            {
                0 => Dead($"nested arrays: {depth}", arrays),
                1 => Dead($"nested objects: {depth}", objects),
                2 => sale.With("tickets_sold", arrays).Spec($"tickets_sold of nested arrays: {depth}", Expect.DeadLetter),
                // Nesting in a member nobody reads: valid JSON; past the parser's depth limit, rejecting it is fine.
                3 => sale.With("extra", objects).Spec($"extra member of nested objects: {depth}", depth <= 10 ? Expect.Sale : Expect.Either),
                _ => sale.WithMember(name.Literal, arrays).Spec($"member named with Unicode holding nested arrays: {depth}", Expect.Either),
            };
        });
        var wrongType = Gen.Select(AnySale, Gen.Int[0, 99], Gen.OneOf("[]", "{}", "true", "false", "[1]", "{\"value\":1}", "\"x\"", "\"\"", "12", "null"), (sale, pick, value) =>
        {
            var members = sale.Contract ? ContractFields : OriginalFields;
            var member = members[pick % members.Length];
            var doc = sale.With(member, value);
            var isString = member is "event_id" or "sold_at" or "theater_name" or "movie_title" or "showtime" or "sale_date" or "currency" or "channel";
            var kind = $"wrong type for {member}: {value}";
            if (value == "null")
            {
                // null is absence: fine for the contract's informative names and its currency (USD by default).
                return sale.Contract && member is "theater_name" or "movie_title" or "currency"
                    ? doc.Spec(kind, Expect.Sale, facts: [sale.Facts with { Currency = member == "currency" ? "USD" : sale.Facts.Currency }])
                    : sale.Contract && member == "showtime" ? doc.Spec(kind, Expect.Either) : doc.Spec(kind, Expect.DeadLetter);
            }
            // A number where a number belongs is not a wrong type: 12 tickets, $12, or an id of no or another showtime.
            if (!isString && value == "12")
            {
                return member switch
                {
                    "tickets_sold" => doc.Spec(kind, Expect.Sale, facts: [sale.Facts with { Tickets = 12 }]),
                    "ticket_price" => doc.Spec(kind, Expect.Sale, facts: [sale.Facts with { Price = 12m }]),
                    _ => doc.Spec(kind, sale.Facts.TheaterId == 12 && member == "theater_id" || sale.Facts.MovieId == 12 && member == "movie_id" ? Expect.Sale : Expect.DeadLetter),
                };
            }
            // A string where a string belongs is not a wrong type; these strings are not valid values though, except a name of the contract.
            if (isString && value.StartsWith('"'))
                return doc.Spec(kind, sale.Contract && member is "theater_name" or "movie_title" ? Expect.Sale : Expect.DeadLetter);
            return doc.Spec(kind, Expect.DeadLetter);
        });
        var missing = Gen.Select(AnySale, Gen.Int[0, 99], (sale, pick) =>
        {
            var members = sale.Contract ? ContractFields : OriginalFields;
            var member = members[pick % members.Length];
            var doc = sale.Without(member);
            var kind = $"without {member}";
            if (!sale.Contract) return doc.Spec(kind, Expect.DeadLetter);
            return member switch
            {
                "theater_name" or "movie_title" => doc.Spec(kind, Expect.Sale),
                "currency" => doc.Spec(kind, Expect.Sale, facts: [sale.Facts with { Currency = "USD" }]),
                "showtime" => doc.Spec(kind, Expect.Either),
                _ => doc.Spec(kind, Expect.DeadLetter),
            };
        });
        var duplicateKeys = Gen.Select(AnySale, Gen.Int[0, 99], (sale, pick) =>
        {
            // The same member twice; RFC 8259 leaves the result to the parser, so either value (if valid), or a dead letter.
            var f = sale.Facts;
            (string Member, string First, string Second, SaleFacts? IfFirst, SaleFacts? IfSecond)[] cases =
            [
                ("tickets_sold", Int(f.Tickets), "500", f, null),
                ("tickets_sold", "500", Int(f.Tickets), null, f),
                ("tickets_sold", "1", "2", f with { Tickets = 1 }, f with { Tickets = 2 }),
                ("ticket_price", "-5", Price(f.Price), null, f),
                ("ticket_price", "1.25", "2.50", f with { Price = 1.25m }, f with { Price = 2.50m }),
                ("sale_date", Json.Quote(Date(f.SaleDate)), Json.Quote("not a date"), f, null),
                ("tickets_sold", Int(f.Tickets), Int(f.Tickets), f, f),
            ];
            var (member, first, second, ifFirst, ifSecond) = cases[pick % cases.Length];
            var text = sale.Without(member).WithMember(Json.Quote(member), first).WithMember(Json.Quote(member), second).Text();
            var facts = new[] { ifFirst, ifSecond }.OfType<SaleFacts>().Distinct().ToList();
            return sale.Spec($"duplicate {member}: {first} then {second}", facts.Count == 0 ? Expect.DeadLetter : Expect.Either, Json.Utf8(text), facts);
        });
        var formatting = Gen.Select(AnySale, Gen.Int[0, 5], (sale, pick) => pick switch
        {
            0 => sale.Spec("pretty-printed", Expect.Sale, Json.Utf8(sale.Text(",\n  ", ": ").Replace("{", "{\n  ", StringComparison.Ordinal))),
            1 => sale.Spec("surrounded by whitespace", Expect.Sale, Json.Utf8(" \r\n\t" + sale.Text() + "\n\t \r\n")),
            2 => sale.Spec("members in reverse order", Expect.Sale, Json.Utf8((sale with { Members = sale.Members.Reverse().ToList() }).Text())),
            3 => sale.Spec("with a byte order mark", Expect.Either, [0xEF, 0xBB, 0xBF, .. Json.Utf8(sale.Text())]),
            4 => sale.Spec("member names in upper case", Expect.Either,
                Json.Utf8((sale with { Members = sale.Members.Select(m => (m.Name.ToUpperInvariant(), m.Value)).ToList() }).Text())),
            _ => sale.Spec("member names escaped", Expect.Sale,
                Json.Utf8((sale with { Members = sale.Members.Select(m => ("\"" + string.Concat(m.Name[1..^1].Select(c => $"\\u{(int)c:x4}")) + "\"", m.Value)).ToList() }).Text())),
        });
        return Gen.Frequency<MessageSpec>((20, topLevel), (15, nesting), (25, wrongType), (15, missing), (15, duplicateKeys), (10, formatting));
    }

    private Gen<MessageSpec> BuildHuge()
    {
        var bigText = Gen.Select(Pieces(loneSurrogates: false).Array[1, 32], Gen.Int[0, 3], (pieces, pick) => pick == 0 ? JsonString.Plain("x") : JsonString.Of(pieces));
        return Gen.Select(AnySale, bigText, Gen.Byte.Array[1, 4096], Gen.Int[0, 5], (sale, chunk, bytes, pick) =>
        {
            // As many repetitions as fit in the budget, allowing for the rest of the message.
            var room = HugeBytes - Json.Utf8(sale.Text()).Length - 64;
            var value = chunk.Repeat(Math.Max(1, room / Math.Max(1, Encoding.UTF8.GetByteCount(chunk.Literal[1..^1]))));
            var size = $"{value.Value.Length} characters";
            return pick switch
            {
                0 => sale.With("theater_name", value.Literal).Spec($"huge theater_name: {size}", sale.Contract ? Expect.Sale : Expect.DeadLetter),
                1 => sale.WithMember("\"notes\"", value.Literal).Spec($"huge extra member: {size}", Expect.Sale),
                2 => sale.Spec($"huge whitespace around a sale: {room} bytes", Expect.Sale, Json.Utf8(new string(' ', room) + sale.Text())),
                3 => new MessageSpec($"huge/random bytes: {room}", Enumerable.Repeat(bytes, room / bytes.Length + 1).SelectMany(b => b).Take(room).ToArray(), null, 0, Expect.DeadLetter, null, []),
                4 => new MessageSpec($"huge/nested arrays: {room / 2}", Json.Utf8(new string('[', room / 2) + new string(']', room / 2)), null, 0, Expect.DeadLetter, null, []),
                _ => sale.With("tickets_sold", "0").Spec($"invalid sale with a huge key: {size}", Expect.DeadLetter) with { Key = value.Value },
            };
        });
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Price(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The name with the letters whose bit is set in <paramref name="mask"/> in the other case (0: unchanged).</summary>
    private static string Recase(string name, int mask) =>
        mask == 0 ? name : string.Concat(name.Select((c, i) => (mask >> (i % 24) & 1) == 1 ? (char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c));
}
