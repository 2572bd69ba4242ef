using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Ingestion;

namespace ReelMetrics.Tests.Chaos;

/// <summary>A valid sale in the original system's format: it must be counted, once per message.</summary>
internal sealed record OriginalSale(DateOnly SaleDate, int TheaterId, int TicketsSold, decimal TicketPrice)
{
    public decimal Revenue => TicketsSold * TicketPrice;
}

/// <summary>
/// A message the raw producer puts on the topic and what the consumer must make of it: a dead letter with
/// <see cref="ExpectedReason"/> (a <see cref="DeadLetterReasons"/> constant), or, for a valid original-format event, a sale.
/// </summary>
internal sealed record PlannedMessage(string Kind, byte[]? Key, byte[] Payload, string? ExpectedReason, OriginalSale? Sale = null)
{
    public override string ToString() => $"{Kind} (expected {ExpectedReason ?? "a sale"})";
}

/// <summary>A planned message the broker acknowledged, where it landed.</summary>
internal sealed record SentMessage(PlannedMessage Message, int Partition, long Offset)
{
    public string Source => $"{Topics.TicketSales}/{Partition.ToString(CultureInfo.InvariantCulture)}@{Offset.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The hostile messages of a chaos run (each with the one reason it must be dead-lettered for, unlike the property tests'
/// <see cref="ReelMetrics.Tests.Ingestion.HostileMessages"/>, which only require some dead letter): every kind at least once, more picked at random, dealt over the bursts of the
/// schedule. Kinds cover what a topic anyone can write to may hold: bytes that are not JSON, JSON of the wrong shape, NUL
/// characters and unpaired surrogates in strings, keys with NUL bytes, unknown ids, absurd prices and ticket counts, and
/// the original system's events, valid (counted) and invalid.
/// </summary>
internal static class HostileMessagePlan
{
    private const string Placeholder = "@@PLACEHOLDER@@";

    /// <summary>Every kind: its name and how to make one.</summary>
    public static IReadOnlyList<Func<Random, DateOnly, PlannedMessage>> Kinds { get; } =
    [
        // Not JSON, or not the right JSON.
        (r, today) => Dead("truncated JSON", ContractBytes(r, today)[..40], DeadLetterReasons.InvalidJson, r),
        (r, _) => Dead("plain text", Encoding.UTF8.GetBytes("tickets please"), DeadLetterReasons.InvalidJson, r),
        (r, _) => Dead("random bytes", RandomBytes(r), DeadLetterReasons.InvalidJson, r),
        (r, _) => Dead("empty payload", [], DeadLetterReasons.InvalidJson, r),
        (r, _) => Dead("JSON null", Encoding.UTF8.GetBytes("null"), DeadLetterReasons.InvalidJson, r),
        (r, _) => Dead("JSON array", Encoding.UTF8.GetBytes("""[{"theater_name": "Regal LA Live", "movie_title": "Titanic"}]"""), DeadLetterReasons.InvalidJson, r),
        (r, today) => Dead("a raw NUL byte in theater_name", ContractBytes(r, today, name: [.. "Regal"u8, 0, .. " LA Live"u8]), DeadLetterReasons.InvalidJson, r),
        (r, today) => Dead("invalid UTF-8 in theater_name", ContractBytes(r, today, name: [.. "Regal "u8, 0xC3, 0x28, .. " LA Live"u8]), DeadLetterReasons.InvalidJson, r),
        (r, _) => Dead("an unpaired high surrogate escape in theater_name (original format)",
            Original("Regal \\ud800 LA Live", "Titanic", "2025-03-11", "9.75", "3"), DeadLetterReasons.InvalidJson, r),
        (r, today) => Dead("an unpaired low surrogate escape in theater_name",
            ContractBytes(r, today, name: "Regal \\udc00 LA Live"u8.ToArray()), DeadLetterReasons.InvalidJson, r),
        (r, today) => Dead("tickets_sold of the wrong type", ContractBytes(r, today, edit: o => o["tickets_sold"] = true), DeadLetterReasons.InvalidJson, r),
        (r, today) => Dead("tickets_sold as a string", ContractBytes(r, today, edit: o => o["tickets_sold"] = "3"), DeadLetterReasons.InvalidJson, r),
        (r, _) => new PlannedMessage("a NUL byte in the key", [.. "theater"u8, 0, .. "2"u8], RandomBytes(r), DeadLetterReasons.InvalidJson),

        // Missing fields.
        (r, today) => Dead("event_id all zeros", ContractBytes(r, today, edit: o => o["event_id"] = Guid.Empty.ToString()), DeadLetterReasons.MissingField, r),
        (r, _) => Dead("original format without sale_date",
            Encoding.UTF8.GetBytes("""{"theater_name": "Regal LA Live", "movie_title": "Titanic", "ticket_price": 9.75, "tickets_sold": 3}"""), DeadLetterReasons.MissingField, r),

        // Absurd amounts.
        (r, today) => Dead("zero tickets", ContractBytes(r, today, edit: o => o["tickets_sold"] = 0), DeadLetterReasons.InvalidTickets, r),
        (r, today) => Dead("101 tickets", ContractBytes(r, today, edit: o => o["tickets_sold"] = 101), DeadLetterReasons.InvalidTickets, r),
        (r, _) => Dead("negative tickets (original format)", Original("Regal LA Live", "Titanic", "2025-03-11", "9.75", "-2"), DeadLetterReasons.InvalidTickets, r),
        (r, today) => Dead("a zero price", ContractBytes(r, today, edit: o => o["ticket_price"] = 0), DeadLetterReasons.InvalidPrice, r),
        (r, today) => Dead("a negative price", ContractBytes(r, today, edit: o => o["ticket_price"] = -9.75m), DeadLetterReasons.InvalidPrice, r),
        (r, today) => Dead("a price above the maximum", ContractBytes(r, today, edit: o => o["ticket_price"] = 100.01m), DeadLetterReasons.InvalidPrice, r),
        (r, today) => Dead("a fraction of a cent", ContractBytes(r, today, edit: o => o["ticket_price"] = 12.345m), DeadLetterReasons.InvalidPrice, r),
        (r, _) => Dead("a price above the maximum (original format)", Original("Regal LA Live", "Titanic", "2025-03-11", "250.00", "3"), DeadLetterReasons.InvalidPrice, r),

        // Invalid fields, NUL characters included (they end up in the dead letter's detail).
        (r, today) => Dead("a lower-case currency", ContractBytes(r, today, edit: o => o["currency"] = "usd"), DeadLetterReasons.InvalidField, r),
        (r, today) => Dead("a NUL in currency", ContractBytes(r, today, edit: o => o["currency"] = "U\0D"), DeadLetterReasons.InvalidField, r),
        (r, today) => Dead("a NUL in channel", ContractBytes(r, today, edit: o => o["channel"] = "online\0"), DeadLetterReasons.InvalidField, r),

        // Not in the catalog.
        (r, today) => Dead("an unknown theater id", ContractBytes(r, today, edit: o => o["theater_id"] = 999), DeadLetterReasons.UnknownTheater, r),
        (r, today) => Dead("an unknown movie id", ContractBytes(r, today, edit: o => o["movie_id"] = 999), DeadLetterReasons.UnknownMovie, r),
        (r, today) => Dead("an unknown showtime id", ContractBytes(r, today, edit: o => o["showtime_id"] = 99_999_999_999L), DeadLetterReasons.UnknownShowtime, r),
        (r, today) => Dead("an escaped NUL in theater_name with an unknown showtime",
            ContractBytes(r, today, edit: o => { o["theater_name"] = "Regal LA Live\0"; o["showtime_id"] = 99_999_999_998L; }), DeadLetterReasons.UnknownShowtime, r),
        (r, today) => Dead("a showtime of another movie", ContractBytes(r, today, edit: o => o["movie_id"] = o["movie_id"]!.GetValue<int>() % 10 + 1), DeadLetterReasons.ShowtimeMismatch, r),
        (r, _) => Dead("an unknown theater name (original format)", Original("Nowhere Cinema", "Titanic", "2025-03-11", "9.75", "3"), DeadLetterReasons.UnknownTheater, r),
        (r, _) => Dead("an unknown movie title (original format)", Original("Regal LA Live", "Titanic II", "2025-03-11", "9.75", "3"), DeadLetterReasons.UnknownMovie, r),
        (r, _) => Dead("an escaped NUL in theater_name (original format)", Original("Regal LA Live\\u0000", "Titanic", "2025-03-11", "9.75", "3"), DeadLetterReasons.UnknownTheater, r),
        (r, _) => Dead("an escaped NUL in movie_title (original format)", Original("Regal LA Live", "Titanic\\u0000", "2025-03-11", "9.75", "3"), DeadLetterReasons.UnknownMovie, r),

        // Valid events in the original format: sales, each message once (the same content twice is two sales).
        (r, _) => Valid("the original system's example event", Original("Regal LA Live", "Titanic", "2025-03-11", "9.75", "3"),
            new OriginalSale(new DateOnly(2025, 3, 11), 2, 3, 9.75m), r),
        (r, _) => Valid("the original system's example event, sent again", Original("Regal LA Live", "Titanic", "2025-03-11", "9.75", "3"),
            new OriginalSale(new DateOnly(2025, 3, 11), 2, 3, 9.75m), r),
        (r, today) => Valid("an original-format event with names in other case and padded",
            Original("  regal la LIVE ", "TITANIC", Day(today), "12.50", "2"), new OriginalSale(today, 2, 2, 12.50m), r),
        (r, today) => RandomOriginal(r, today),
    ];

    /// <summary>The messages of each burst: every kind once, then random kinds until there are twice as many as bursts.</summary>
    public static IReadOnlyList<IReadOnlyList<PlannedMessage>> Plan(int seed, int bursts, DateOnly today)
    {
        var random = new Random(seed);
        var kinds = Enumerable.Range(0, Kinds.Count).ToList();
        while (kinds.Count < 2 * bursts) kinds.Add(random.Next(Kinds.Count));
        var shuffled = kinds.OrderBy(_ => random.Next()).ToList();
        var plan = Enumerable.Range(0, Math.Max(1, bursts)).Select(_ => new List<PlannedMessage>()).ToList();
        for (var i = 0; i < shuffled.Count; i++) plan[i % plan.Count].Add(Kinds[shuffled[i]](random, today));
        return plan;
    }

    private static PlannedMessage Dead(string kind, byte[] payload, string reason, Random random) =>
        new(kind, RandomKey(random), payload, reason);

    private static PlannedMessage Valid(string kind, byte[] payload, OriginalSale sale, Random random) =>
        new(kind, RandomKey(random), payload, null, sale);

    private static PlannedMessage RandomOriginal(Random random, DateOnly today)
    {
        var theater = SeedCatalog.Theaters[random.Next(SeedCatalog.Theaters.Count)];
        var movie = SeedCatalog.Movies[random.Next(SeedCatalog.Movies.Count)];
        var date = today.AddDays(-random.Next(0, 30));
        var tickets = random.Next(1, 9);
        var price = random.Next(500, 2_001) / 100m;
        return Valid("an original-format event for a random theater and movie",
            Original(theater.Name, movie.Title, Day(date), price.ToString("0.00", CultureInfo.InvariantCulture), tickets.ToString(CultureInfo.InvariantCulture)),
            new OriginalSale(date, theater.TheaterId, tickets, price), random);
    }

    /// <summary>An original-format event, laid out as the original system wrote it; the strings go in as JSON text.</summary>
    private static byte[] Original(string theaterName, string movieTitle, string saleDate, string price, string tickets) => Encoding.UTF8.GetBytes(
        $$"""{"theater_name": "{{theaterName}}", "movie_title": "{{movieTitle}}", "sale_date": "{{saleDate}}", "ticket_price": {{price}}, "tickets_sold": {{tickets}}}""");

    /// <summary>
    /// A <see cref="TicketSold"/> for one of today's seeded showtimes, as the generator would write it, changed by
    /// <paramref name="edit"/>; <paramref name="name"/> replaces the theater name's bytes inside the string literal.
    /// </summary>
    private static byte[] ContractBytes(Random random, DateOnly today, Action<JsonObject>? edit = null, byte[]? name = null)
    {
        var showtimes = SeedCatalog.ShowtimesOn(today).ToList();
        var showtime = showtimes[random.Next(showtimes.Count)];
        Span<byte> id = stackalloc byte[16];
        random.NextBytes(id);
        var sale = SaleEvents.For(showtime, random.Next(1, 5), SalesChannel.Online, new Guid(id)) with
        {
            SoldAt = new DateTimeOffset(today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero),
        };
        var json = JsonSerializer.SerializeToNode(sale, ContractJson.Default.TicketSold)!.AsObject();
        if (name is not null) json["theater_name"] = Placeholder;
        edit?.Invoke(json);
        var bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
        if (name is null) return bytes;
        var at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Placeholder));
        return [.. bytes[..at], .. name, .. bytes[(at + Placeholder.Length)..]];
    }

    /// <summary>1–64 random bytes that cannot start a JSON value (the first is a control character).</summary>
    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 65)];
        random.NextBytes(bytes);
        bytes[0] = (byte)random.Next(0x01, 0x09);
        return bytes;
    }

    /// <summary>No key, a theater's key, or a key that is no theater id.</summary>
    private static byte[]? RandomKey(Random random) => random.Next(3) switch
    {
        0 => null,
        1 => Encoding.UTF8.GetBytes(random.Next(1, 31).ToString(CultureInfo.InvariantCulture)),
        _ => "not-a-theater"u8.ToArray(),
    };

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// A raw producer of <see cref="PlannedMessage"/>s (bytes in, bytes out, no serializer in between): idempotent, with a
/// message timeout longer than any outage, so each message lands exactly once; records where each one landed.
/// </summary>
internal sealed class HostileProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> producer;
    private readonly ConcurrentQueue<SentMessage> sent = new();
    private readonly ConcurrentQueue<string> failures = new();
    private int produced;

    public HostileProducer(string bootstrapServers) =>
        producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageTimeoutMs = 180_000,
        }).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();   // outages are the point: no stderr noise

    /// <summary>Messages handed to the producer.</summary>
    public int Produced => Volatile.Read(ref produced);

    /// <summary>Messages the broker acknowledged, with their coordinates.</summary>
    public IReadOnlyList<SentMessage> Sent => [.. sent];

    /// <summary>Messages the broker did not acknowledge (the test cannot judge those: an infrastructure failure).</summary>
    public IReadOnlyList<string> Failures => [.. failures];

    public void Send(IEnumerable<PlannedMessage> messages)
    {
        foreach (var message in messages)
        {
            Interlocked.Increment(ref produced);
            producer.Produce(Topics.TicketSales, new Message<byte[], byte[]> { Key = message.Key!, Value = message.Payload }, report =>
            {
                if (report.Error.IsError) failures.Enqueue($"{message}: {report.Error.Reason} ({report.Status})");
                else sent.Enqueue(new SentMessage(message, report.Partition.Value, report.Offset.Value));
            });
        }
    }

    /// <summary>Waits for every delivery report; true when none is outstanding.</summary>
    public bool Flush(TimeSpan timeout) => producer.Flush(timeout) == 0;

    public void Dispose() => producer.Dispose();
}
