using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using CsCheck;
using Npgsql;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>
/// Property-based tests of the consumer's decode → store path (the real <see cref="BatchProcessor"/> over PostgreSQL and
/// Garnet): batches of generated messages, valid sales of both formats mixed with every kind of hostile input, and for
/// every batch the invariants below, exactly.
/// <list type="number">
/// <item>ProcessAsync never throws.</item>
/// <item>Messages sent = stored + duplicates + dead letters.</item>
/// <item>The tables agree with the outcomes: sales rows = stored, dead_letters rows = dead letters (one per message:
/// a redelivered one is a duplicate), and the aggregates add up to exactly the generated valid sales that were stored.</item>
/// <item>Every dead letter has a reason among <see cref="DeadLetterReasons"/> (read by reflection: the list may grow) and
/// keeps the message's payload byte for byte, its coordinates, and its key made safe as docs/events.md says.</item>
/// <item>Every valid message becomes a sale with its facts or a duplicate, never a dead letter, except overbooked when its
/// showtime has no room left (first come, first seated); every unusable message becomes a dead letter (or a duplicate
/// of its own dead letter when redelivered).</item>
/// <item>Redis agrees with PostgreSQL at the end.</item>
/// </list>
/// Reproducible: batch <c>i</c> of a test is generated from a fixed seed (REELMETRICS_PROPERTY_SEED changes it,
/// REELMETRICS_PROPERTY_COUNT the number of messages of the mixed test, a tenth of it for each focused one,
/// REELMETRICS_PROPERTY_SHRINK the candidates CsCheck may try when shrinking). A failure is shrunk by CsCheck to a small
/// batch that fails the same way, then the messages that fail on their own are named; the run goes on to find failures
/// of other kinds (a batch that threw is bisected, so that one failure does not hide the others in it).
/// </summary>
public sealed class HostileMessagePropertyTests(PostgresFixture postgres, RedisFixture redis)
{
    [Fact]
    public Task AnyMessageEndsAsASaleADuplicateOrADeadLetter() =>
        RunAsync("any", m => HostileMessages.Batches(m.Anything, maxBatch: 400, echoPercent: 3, redeliveryPercent: 3), PropertySettings.Count);

    [Fact]
    public Task RandomBytesAndBrokenUtf8AreDeadLetteredByteForByte() =>
        RunAsync("bytes", m => HostileMessages.Batches(WithValid(m, m.RandomBytes), maxBatch: 100), PropertySettings.FamilyCount);

    [Fact]
    public Task ArbitraryUnicodeInAnyStringMemberIsStoredOrDeadLetteredNeverFatal() =>
        RunAsync("unicode", m => HostileMessages.Batches(WithValid(m, m.Unicode), maxBatch: 100), PropertySettings.FamilyCount);

    [Fact]
    public Task NumbersAtAndPastEveryLimitAreStoredOnlyWhenInRange() =>
        RunAsync("numbers", m => HostileMessages.Batches(WithValid(m, m.Numbers), maxBatch: 100), PropertySettings.FamilyCount);

    [Fact]
    public Task DatesAtTheEdgesOfTimeAreStoredOnlyWhenTheyAreRealInstants() =>
        RunAsync("dates", m => HostileMessages.Batches(WithValid(m, m.Dates), maxBatch: 100), PropertySettings.FamilyCount);

    [Fact]
    public Task MalformedShapesDeepNestingDuplicateKeysAndWrongTypesAreDeadLettered() =>
        RunAsync("shapes", m => HostileMessages.Batches(WithValid(m, m.Shapes), maxBatch: 100), PropertySettings.FamilyCount);

    [Fact]
    public Task HostileMessageKeysAreKeptWithTheirDeadLetters() =>
        RunAsync("keys", m => HostileMessages.Batches(m.HostileKeys, maxBatch: 100), PropertySettings.FamilyCount);

    [Fact]
    public Task ASaleSentTwiceOrRedeliveredCountsOnce() =>
        RunAsync("redelivery", m => HostileMessages.Batches(WithValid(m, m.Anything), maxBatch: 100, echoPercent: 20, redeliveryPercent: 20), PropertySettings.FamilyCount);

    [Fact]
    public Task MegabyteMessagesAndKeysAreStoredOrDeadLetteredWhole() =>
        RunAsync("huge", m => HostileMessages.Batches(Gen.Frequency<MessageSpec>((1, m.Huge), (4, m.Valid)), maxBatch: 12), messages: 60);

    /// <summary>docs/events.md: invalid_json is "a field of the wrong type"; "3" is a string, not a number.</summary>
    [Fact]
    public Task NumbersSentAsStringsAreDeadLetteredAsTheWrongType() =>
        RunAsync("number_strings", m => HostileMessages.Batches(WithValid(m, m.NumbersAsStrings), maxBatch: 50), PropertySettings.FamilyCount / 4);

    /// <summary>docs/events.md: invalid_field is "currency not an ISO code"; QQQ has the shape of one and is not one.</summary>
    [Fact]
    public Task CurrenciesThatAreNotIso4217CodesAreDeadLettered() =>
        RunAsync("currencies", m => HostileMessages.Batches(WithValid(m, m.Currencies), maxBatch: 50), PropertySettings.FamilyCount / 4);

    private static Gen<MessageSpec> WithValid(HostileMessages messages, Gen<MessageSpec> hostile) =>
        Gen.Frequency<MessageSpec>((1, messages.Valid), (1, hostile));

    private async Task RunAsync(string name, Func<HostileMessages, Gen<BatchItem[]>> batches, int messages)
    {
        var output = TestContext.Current.TestOutputHelper;
        var seed = PropertySettings.Seed;
        var stream = Stream(name);
        var generators = new HostileMessages(SalesDatabase.Today);
        var gen = batches(generators);
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "hostile_" + name);
        var property = new IngestionProperty(harness, generators.Capacities);
        var clock = Stopwatch.StartNew();
        output?.WriteLine($"{name}: seed {seed} (REELMETRICS_PROPERTY_SEED), {messages} messages, batch i from CsCheck seed new PCG({stream}, {seed} + i)");

        var run = new Run(name, seed, property, gen);
        var generated = 0L;
        var checking = new Stopwatch();
        ulong batch = 0;
        for (; generated < messages && run.Failures.Count < PropertySettings.MaxFailures; batch++)
        {
            var pcg = new PCG(stream, seed + batch);
            var batchSeed = pcg.ToString();
            var items = gen.Generate(pcg, null, out _);
            var resolved = property.Resolve(items);
            generated += resolved.Count;
            try
            {
                checking.Start();
                await property.CheckResolvedAsync(resolved, remember: true);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                checking.Stop();
                var violation = PropertyViolation.From(exception);
                await run.ReportAsync(violation, $"batch {batch} ({items.Length} items, CsCheck seed \"{batchSeed}\")", resolved, (batchSeed, items));
                // A batch that threw stored nothing: check its halves, so that one failure does not hide the others in it.
                if (violation.Aborted) await run.BisectAsync(resolved);
            }
            finally
            {
                checking.Stop();
            }
        }

        output?.WriteLine($"{name}: {generated} messages generated in {batch} batches; {property.Sent} sent in all (shrinking and bisecting included): " +
            $"{property.Stored} stored, {property.Duplicates} duplicates, {property.DeadLetters} dead letters; {clock.Elapsed.TotalSeconds:F1} s, of which {checking.Elapsed.TotalSeconds:F1} s checking the generated batches");
        // Over the whole run. The tables must agree with the outcomes and with each other, and Redis with PostgreSQL, even
        // after failures; the totals of the generated valid sales are only known when every message went as it must.
        await run.CheckAsync("3. the tables do not agree with the outcomes or with each other at the end", property.AssertTablesAsync);
        await run.CheckAsync("6. Redis does not agree with PostgreSQL at the end", harness.AssertCacheMatchesDatabaseAsync);
        if (run.Failures.Count == 0) await run.CheckAsync("3. the totals are not those of the generated valid sales", property.AssertTotalsAsync);
        if (run.Failures.Count > 0)
        {
            Assert.Fail($"{run.Failures.Count} distinct failure(s) in {generated} messages (run seed {seed}; set REELMETRICS_PROPERTY_SEED to change it):\n\n" +
                string.Join("\n\n", run.Failures));
        }
    }

    /// <summary>The failures of one test run, each kind reported once: shrunk by CsCheck, then its culprit messages named.</summary>
    private sealed class Run(string name, ulong seed, IngestionProperty property, Gen<BatchItem[]> gen)
    {
        private readonly HashSet<string> signatures = [];
        private readonly Stopwatch bisecting = new();

        public List<string> Failures { get; } = [];

        /// <summary>A check of the whole run; its failure is one more.</summary>
        public async Task CheckAsync(string signature, Func<Task> check)
        {
            try
            {
                await check();
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                Failures.Add($"── Failure {Failures.Count + 1}: {signature}\n{exception.Message}");
            }
        }

        public async Task ReportAsync(PropertyViolation violation, string where, IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> batch, (string Seed, BatchItem[] Items)? generated)
        {
            foreach (var signature in violation.Signatures)
            {
                if (Failures.Count >= PropertySettings.MaxFailures || !signatures.Add(signature)) continue;
                TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {where} failed: {signature}");
                var shrunk = generated is var (batchSeed, items)
                    ? await ShrinkAsync(batchSeed, items, signature)
                    : null;
                var smallest = shrunk?.Batch ?? batch;
                Failures.Add($"""
                    ── Failure {Failures.Count + 1}: {signature}
                    Found in {where}; run seed {seed}.
                    {shrunk?.Text ?? (generated is null
                        ? $"Found while bisecting a batch that threw, in a part of {batch.Count} messages (not shrunk: no seed generates that part)."
                        : "CsCheck did not reproduce it from the batch's seed alone (it depends on what earlier batches stored), so it is not shrunk.")}
                    It fails with:
                    {(shrunk?.Violation ?? violation).Message}
                    {await property.IsolateAsync(smallest, signature)}
                    """);
            }
        }

        /// <summary>Checks the halves of a batch that threw (again, at new coordinates), and their halves while they throw.</summary>
        public async Task BisectAsync(IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> batch)
        {
            if (batch.Count <= 1 || bisecting.Elapsed > PropertySettings.BisectTime || Failures.Count >= PropertySettings.MaxFailures) return;
            bisecting.Start();
            try
            {
                var half = (batch.Count + 1) / 2;
                foreach (var part in new[] { batch.Take(half), batch.Skip(half) })
                {
                    var again = property.Resend(part);
                    try
                    {
                        await property.CheckResolvedAsync(again);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException || !TestContext.Current.CancellationToken.IsCancellationRequested)
                    {
                        var violation = PropertyViolation.From(exception);
                        await ReportAsync(violation, $"part of a batch that threw ({again.Count} messages)", again, null);
                        if (violation.Aborted) await BisectAsync(again);
                    }
                }
            }
            finally
            {
                bisecting.Stop();
            }
        }

        /// <summary>
        /// Replays the failing batch's seed with CsCheck, which then samples smaller batches and keeps the smallest that
        /// fails with the same signature. Null when the seed alone does not reproduce it (it depends on earlier batches).
        /// </summary>
        private async Task<(string Text, IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> Batch, PropertyViolation Violation)?> ShrinkAsync(string batchSeed, BatchItem[] items, string signature)
        {
            IReadOnlyList<(RawMessage Raw, MessageSpec Spec)>? smallest = null;
            PropertyViolation? smallestViolation = null;
            var budget = Stopwatch.StartNew();
            try
            {
                await gen.SampleAsync(async candidate =>
                {
                    if (budget.Elapsed > PropertySettings.ShrinkTime) return;
                    try
                    {
                        await property.CheckAsync(candidate);
                    }
                    catch (Exception exception) when (PropertyViolation.From(exception) is var violation && violation.Signatures.Contains(signature))
                    {
                        smallest = property.LastBatch;
                        smallestViolation = violation;
                        throw;
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        // A failure of another kind: reported on its own when the run meets it, not a reproduction of this one.
                    }
                }, seed: batchSeed, iter: PropertySettings.ShrinkIterations, threads: 1, print: Describe);
                return null;
            }
            catch (CsCheckException exception) when (smallest is not null && smallestViolation is not null)
            {
                return ($"CsCheck shrank it to: {exception.Message}", smallest, smallestViolation);
            }
        }
    }

    internal static string Describe(BatchItem[] items)
    {
        var lines = items.Take(40).Select((item, i) => $"  #{i} " + item switch
        {
            Fresh fresh => Describe(fresh.Spec),
            Echo echo => $"an earlier message of this batch again ({echo.Back} back, {(echo.SameCoordinates ? "same" : "new")} Kafka coordinates)",
            Redelivery again => $"a message of an earlier batch again (pick {again.Pick}, {(again.SameCoordinates ? "same" : "new")} Kafka coordinates)",
            _ => item.ToString(),
        });
        return $"{items.Length} message(s):\n{string.Join("\n", lines)}{(items.Length > 40 ? $"\n  … and {items.Length - 40} more" : "")}";
    }

    internal static string Describe(IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> batch) =>
        $"{batch.Count} message(s):\n{string.Join("\n", batch.Take(40).Select((m, i) => $"  #{i} {Describe(m.Raw, m.Spec)}"))}" +
        (batch.Count > 40 ? $"\n  … and {batch.Count - 40} more" : "");

    /// <summary>The generator's kind of a message without its detail: "contract/ticket_price: 100.001" → "contract/ticket_price".</summary>
    internal static string Family(string kind) => kind.Split(':')[0];

    internal static string Describe(MessageSpec spec) =>
        $"[{spec.Kind}] must be {spec.Expect}; key {Show(spec.Key)}; payload ({spec.Payload.Length} bytes) {Show(spec.Payload)}";

    internal static string Describe(RawMessage raw, MessageSpec spec) =>
        $"[{spec.Kind}] must be {spec.Expect}; partition {raw.Source.Partition} offset {raw.Source.Offset}; key {Show(raw.Key)}; " +
        $"payload ({raw.Payload.Length} bytes) {Show(raw.Payload)}";

    /// <summary>A C#-style literal: printable ASCII as is, everything else escaped; long ones cut in the middle.</summary>
    internal static string Show(string? text)
    {
        if (text is null) return "null";
        var shown = text.Length > 500 ? text[..360] + $"…[{text.Length - 480} chars]…" + text[^120..] : text;
        var literal = new StringBuilder("\"");
        foreach (var c in shown)
        {
            if (c is '"' or '\\') literal.Append('\\').Append(c);
            else if (c == '\0') literal.Append("\\0");
            else if (c is >= ' ' and <= '~' || shown != text && c == '…') literal.Append(c);
            else literal.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }
        return literal.Append('"').ToString();
    }

    /// <summary>The payload as a string literal when it is UTF-8, as hex when it is not.</summary>
    internal static string Show(byte[] payload)
    {
        try
        {
            return Show(new UTF8Encoding(false, true).GetString(payload));
        }
        catch (DecoderFallbackException)
        {
            var hex = Convert.ToHexString(payload.AsSpan(0, Math.Min(payload.Length, 300)));
            return $"(not UTF-8) 0x{hex}{(payload.Length > 300 ? "…" : "")}";
        }
    }

    /// <summary>A stable stream number per test (string.GetHashCode differs per process).</summary>
    private static uint Stream(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name) hash = (hash ^ c) * 16777619u;
        return hash;
    }
}

/// <summary>Seed and size of the runs: fixed by default, changed by environment variables.</summary>
internal static class PropertySettings
{
    /// <summary>REELMETRICS_PROPERTY_SEED: batch <c>i</c> of a test is generated from CsCheck's <c>new PCG(stream of the test, seed + i)</c>.</summary>
    public static ulong Seed { get; } = Parse("REELMETRICS_PROPERTY_SEED", 20_250_311UL);

    /// <summary>REELMETRICS_PROPERTY_COUNT: messages of the mixed test; each focused test sends a tenth of it.</summary>
    public static int Count { get; } = (int)Parse("REELMETRICS_PROPERTY_COUNT", 10_000UL);

    public static int FamilyCount => Math.Max(200, Count / 10);

    /// <summary>REELMETRICS_PROPERTY_SHRINK: candidates CsCheck may generate to shrink one failure.</summary>
    public static int ShrinkIterations { get; } = (int)Parse("REELMETRICS_PROPERTY_SHRINK", 300UL);

    public static TimeSpan ShrinkTime { get; } = TimeSpan.FromSeconds(8);

    /// <summary>Time a test may spend bisecting batches that threw, to find the failures they hide.</summary>
    public static TimeSpan BisectTime { get; } = TimeSpan.FromSeconds(15);

    /// <summary>Distinct failures a test shrinks and reports before it stops.</summary>
    public const int MaxFailures = 8;

    private static ulong Parse(string variable, ulong fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
            ? ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : fallback;
}

/// <summary>
/// A broken invariant. <see cref="Signature"/> names the kind of failure (the invariant and what broke it), so that
/// shrinking keeps to one kind and a run reports each kind once.
/// </summary>
internal sealed class PropertyViolation(IReadOnlyList<string> signatures, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The kinds of failure in the batch, most important first.</summary>
    public IReadOnlyList<string> Signatures { get; } = signatures;

    /// <summary>ProcessAsync threw: nothing of the batch was checked.</summary>
    public bool Aborted => InnerException is not null;

    public static PropertyViolation From(Exception exception) => exception as PropertyViolation
        ?? new PropertyViolation([$"the test's own checks threw {exception.GetType().Name}"], $"The checks threw (a test bug?): {exception}", exception);

    /// <summary>Invariant 1: ProcessAsync threw.</summary>
    public static PropertyViolation Threw(Exception exception, IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> batch)
    {
        var what = exception is PostgresException postgres
            ? $"PostgresException {postgres.SqlState}: {postgres.MessageText} (at {postgres.Where})"
            : $"{exception.GetType().FullName}: {exception.Message}";
        var signature = "1. ProcessAsync threw " + (exception is PostgresException p ? $"PostgresException {p.SqlState} at {p.Where}" : exception.GetType().Name);
        // The consumer's frames are enough to find the place; the driver's would bury them.
        var frames = (exception.StackTrace ?? "").Split('\n').Where(f => f.Contains("ReelMetrics.Consumer", StringComparison.Ordinal)).Select(f => "  " + f.Trim());
        return new([signature], $"""
            Invariant 1 broken: ProcessAsync threw {what}
            {string.Join("\n", frames)}
            Batch of {batch.Count}:
            {string.Join("\n", batch.Take(40).Select((m, i) => $"  #{i} {HostileMessagePropertyTests.Describe(m.Raw, m.Spec)}"))}
            """, exception);
    }
}

/// <summary>The invariants, checked batch by batch against the database as it was before the batch.</summary>
internal sealed class IngestionProperty(IngestionHarness harness, IReadOnlyDictionary<long, int> capacities)
{
    private const string Topic = Topics.TicketSales;

    /// <summary>Every reason the consumer may give, read from <see cref="DeadLetterReasons"/> (the list may grow).</summary>
    public static readonly IReadOnlySet<string> Reasons = typeof(DeadLetterReasons)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet();

    private static readonly string[] Tables =
        ["theater_daily_sales", "movie_daily_sales", "theater_movie_daily_sales", "channel_daily_sales", "chain_minute_sales", "showtime_sales"];

    private readonly List<(RawMessage Raw, MessageSpec Spec)> earlier = [];
    private readonly HashSet<Guid> deadLetterIds = [];
    private readonly Dictionary<string, (long Tickets, decimal Revenue)> expectedTotals = Tables.ToDictionary(t => t, _ => (0L, 0m));
    private long expectedSalesCount;

    public long Sent { get; private set; }
    public long Stored { get; private set; }
    public long Duplicates { get; private set; }
    public long DeadLetters { get; private set; }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>The messages of the last batch checked.</summary>
    public IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> LastBatch { get; private set; } = [];

    public Task CheckAsync(BatchItem[] items) => CheckResolvedAsync(Resolve(items));

    /// <summary>The same messages at new Kafka coordinates.</summary>
    public List<(RawMessage Raw, MessageSpec Spec)> Resend(IEnumerable<(RawMessage Raw, MessageSpec Spec)> messages) =>
        messages.Select(m => (New(m.Spec), m.Spec)).ToList();

    /// <summary>Turns generated items into Kafka messages with fresh coordinates, or the coordinates of the message repeated.</summary>
    public List<(RawMessage Raw, MessageSpec Spec)> Resolve(BatchItem[] items)
    {
        var batch = new List<(RawMessage Raw, MessageSpec Spec)>(items.Length);
        foreach (var item in items)
        {
            (RawMessage Raw, MessageSpec Spec)? repeated = item switch
            {
                Echo echo when batch.Count > 0 => batch[batch.Count - 1 - echo.Back % batch.Count],
                Redelivery again when earlier.Count > 0 => earlier[again.Pick % earlier.Count],
                _ => null,
            };
            var same = item is Echo { SameCoordinates: true } or Redelivery { SameCoordinates: true };
            if (item is Fresh fresh) batch.Add((New(fresh.Spec), fresh.Spec));
            else if (repeated is var (raw, spec)) batch.Add((same ? raw : New(spec), spec));
        }
        return batch;
    }

    private RawMessage New(MessageSpec spec)
    {
        var raw = harness.Message(spec.Payload, spec.Key, spec.Partition);
        return spec.TimestampMs is { } at ? raw with { TimestampMs = at } : raw;
    }

    /// <param name="batch">The messages.</param>
    /// <param name="remember">Whether later batches may send these messages again (only the run's own batches, so that the run
    /// stays the same whatever shrinking and bisecting sent in between).</param>
    public async Task CheckResolvedAsync(IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> batch, bool remember = false)
    {
        LastBatch = batch;
        if (batch.Count == 0) return;
        Sent += batch.Count;
        var db = harness.Database.DataSource;
        // The identity of a message: a name-based UUID of its coordinates, timestamp, key and payload (docs/events.md);
        // a redelivered dead letter counts as a duplicate by it. A sale's: its event id, or for the original format the
        // message's identity.
        var messageIds = batch.Select(m => m.Raw.Identity).ToArray();
        var identities = batch.Select((m, i) => m.Spec.Expect == Expect.DeadLetter ? (Guid?)null : m.Spec.EventId ?? messageIds[i]).ToArray();
        // Where a sale would be if a message were stored, unusable ones included (to account for one taken wrongly).
        var probes = batch.Select((m, i) => m.Spec.EventId ?? messageIds[i]).ToArray();
        var ids = identities.OfType<Guid>().Concat(probes).Distinct().ToArray();
        var showtimeIds = batch.SelectMany(m => m.Spec.Facts).Select(f => f.ShowtimeId).OfType<long>().Distinct().ToArray();

        var before = await SnapshotAsync(db);
        var existing = (await ReadSalesAsync(db, ids)).Keys.ToHashSet();
        var seats = await ReadSeatsAsync(db, showtimeIds);
        var letteredBefore = (await ReadDeadLettersAsync(db, [.. messageIds.Distinct()])).Keys.ToHashSet();

        BatchOutcome outcome;
        var sentAt = DateTimeOffset.UtcNow;
        try
        {
            outcome = await harness.ProcessAsync([.. batch.Select(m => m.Raw)]);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !Cancellation.IsCancellationRequested)
        {
            throw PropertyViolation.Threw(exception, batch);
        }
        var arrival = (From: sentAt, To: DateTimeOffset.UtcNow);

        Stored += outcome.Stored;
        Duplicates += outcome.Duplicates;
        DeadLetters += outcome.DeadLetters.Count;
        foreach (var letter in outcome.DeadLetters) deadLetterIds.Add(letter.MessageId);
        if (remember) earlier.AddRange(batch.Where(m => m.Raw.Payload.Length <= 65_536));
        if (earlier.Count > 5_000) earlier.RemoveRange(0, earlier.Count - 5_000);

        // Per-message violations come first; the counts and sums they put off are reported only when nothing else is.
        var violations = new List<(string Signature, string Text, bool Consequence)>();
        void Violate(string signature, string text, int? index = null) =>
            violations.Add((signature, index is { } i ? $"{text}\n      message #{i}: {HostileMessagePropertyTests.Describe(batch[i].Raw, batch[i].Spec)}" : text, index is null));

        // 2. Every message is accounted for once.
        if (batch.Count != outcome.Stored + outcome.Duplicates + outcome.DeadLetters.Count)
        {
            Violate("2. sent ≠ stored + duplicates + dead letters",
                $"Invariant 2 broken: {batch.Count} messages sent, but stored {outcome.Stored} + duplicates {outcome.Duplicates} + dead letters {outcome.DeadLetters.Count}");
        }

        // 4. Dead letters: which message each is (by identity), its reason, its payload, key and detail.
        var letters = outcome.DeadLetters.GroupBy(l => l.MessageId).ToDictionary(g => g.Key, g => new Queue<DeadLetter>(g));
        var fates = new DeadLetter?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            if (letters.TryGetValue(messageIds[i], out var queue) && queue.Count > 0) fates[i] = queue.Dequeue();
        }
        foreach (var stray in letters.Values.SelectMany(q => q))
        {
            Violate("4. a dead letter of no message of the batch, or a second one for a message",
                $"Invariant 4 broken: dead letter {stray.Reason} of message {stray.MessageId} at {stray.Source} is of no message sent in this batch, or one too many");
        }
        for (var i = 0; i < batch.Count; i++)
        {
            if (fates[i] is not { } letter) continue;
            if (!Reasons.Contains(letter.Reason))
                Violate($"4. unknown dead-letter reason '{letter.Reason}'", $"Invariant 4 broken: reason '{letter.Reason}' is not one of DeadLetterReasons ({string.Join(", ", Reasons)})", i);
            if (!letter.Payload.AsSpan().SequenceEqual(batch[i].Raw.Payload))
                Violate("4. dead letter payload differs from the message", $"Invariant 4 broken: the dead letter's payload ({letter.Payload.Length} bytes) is not the message's", i);
            if (SafeTextProblem(batch[i].Raw.Key, letter.Key, MaxKeyLength) is { } keyProblem)
                Violate("4. dead letter key is not the message's (made safe)", $"Invariant 4 broken: the dead letter's key {HostileMessagePropertyTests.Show(letter.Key)} {keyProblem}", i);
            if (DetailProblem(letter.Detail) is { } detailProblem)
                Violate("4. dead letter detail is empty or unsafe", $"Invariant 4 broken: the dead letter's detail {detailProblem}: {HostileMessagePropertyTests.Show(letter.Detail)}", i);
            if (letteredBefore.Contains(messageIds[i]))
                Violate("4. a message dead-lettered before was dead-lettered again",
                    $"Invariant 4 broken: message {messageIds[i]} has a dead letter already; again it must count as a duplicate", i);
        }

        // 5. What each message became, against what it must become (sales in message order, seats counted as they sell).
        var rows = await ReadSalesAsync(db, ids);
        var sold = new Dictionary<long, int>(seats);
        var claimed = new HashSet<Guid>();
        var deadEvents = new HashSet<Guid>();   // sales (by event id) that ended as a dead letter: overbooked, or a redelivery of one
        var lettered = new HashSet<Guid>(letteredBefore);   // messages (by identity) with a dead letter
        var showtimeHistory = new Dictionary<long, List<string>>();   // what became of the batch's earlier sales of each showtime
        var expectedStored = 0;
        var expectedDuplicates = 0;
        var stored = new List<SaleFacts>();
        int Seats(long showtime) => sold.GetValueOrDefault(showtime);
        List<string> History(long showtime) => showtimeHistory.TryGetValue(showtime, out var list) ? list : showtimeHistory[showtime] = [];
        for (var i = 0; i < batch.Count; i++)
        {
            var (raw, spec) = batch[i];
            var id = identities[i];
            var seen = id is { } known && (existing.Contains(known) || claimed.Contains(known) || deadEvents.Contains(known));
            if (fates[i] is { } letter)
            {
                if (spec.Expect == Expect.Sale)
                {
                    var facts = spec.Facts[0];
                    if (seen)
                        Violate($"5. a repeated valid sale was dead-lettered ({letter.Reason})", $"Invariant 5 broken: a sale already stored or seen was dead-lettered as {letter.Reason} ({letter.Detail}) instead of counted as a duplicate", i);
                    else if (letter.Reason != DeadLetterReasons.Overbooked)
                        Violate($"5. a valid sale was dead-lettered as {letter.Reason} ({HostileMessagePropertyTests.Family(spec.Kind)})", $"Invariant 5 broken: a valid sale was dead-lettered as {letter.Reason}: {letter.Detail}", i);
                    else if (facts.ShowtimeId is not { } showtime)
                        Violate("5. a sale without a showtime was dead-lettered as overbooked", $"Invariant 5 broken: overbooked, but the sale has no showtime: {letter.Detail}", i);
                    else if (Seats(showtime) + facts.Tickets <= capacities[showtime])
                        Violate("5. a valid sale that fits its showtime was dead-lettered as overbooked",
                            $"Invariant 5 broken: dead-lettered as overbooked, yet showtime {showtime} had {Seats(showtime)} of {capacities[showtime]} seats sold " +
                            $"before these {facts.Tickets} tickets ({letter.Detail}); earlier in this batch for that showtime: " +
                            (showtimeHistory.TryGetValue(showtime, out var history) ? string.Join(", ", history) : "nothing"), i);
                }
                if (spec.Facts.Count > 0 && spec.Facts[0].ShowtimeId is { } at)
                    History(at).Add($"#{i} {spec.Facts[0].Tickets} tickets dead-lettered as {letter.Reason}");
                if (letter.Reason == DeadLetterReasons.Overbooked && id is { } full) deadEvents.Add(full);
                lettered.Add(messageIds[i]);
                continue;
            }
            if (spec.Expect == Expect.DeadLetter || id is not { } key)
            {
                // The same message again (redelivered at its coordinates) is a duplicate of its dead letter.
                if (lettered.Contains(messageIds[i]))
                {
                    expectedDuplicates++;
                    continue;
                }
                Violate($"5. an unusable message was accepted ({HostileMessagePropertyTests.Family(spec.Kind)})", "Invariant 5 broken: the message must be a dead letter, but it was counted as stored or as a duplicate", i);
                // Count what it did, so that its seats, counts and sums are not blamed on the messages after it.
                if (rows.TryGetValue(probes[i], out var taken) && !existing.Contains(probes[i]) && claimed.Add(probes[i]))
                {
                    expectedStored++;
                    var facts = taken.Facts;
                    stored.Add(facts);
                    if (facts.ShowtimeId is { } wrongShowtime)
                    {
                        History(wrongShowtime).Add($"#{i} {facts.Tickets} tickets stored (wrongly)");
                        sold[wrongShowtime] = Seats(wrongShowtime) + facts.Tickets;
                    }
                }
                else
                {
                    expectedDuplicates++;
                }
                continue;
            }
            if (seen || !rows.ContainsKey(key) && lettered.Contains(messageIds[i]))
            {
                // A duplicate of a stored sale, or of a dead letter: the same message redelivered, or the same event again
                // after one of those in this batch.
                expectedDuplicates++;
                if (!rows.ContainsKey(key) && lettered.Contains(messageIds[i])) deadEvents.Add(key);
                if (!rows.ContainsKey(key) && !deadEvents.Contains(key))
                    Violate("5. counted as a duplicate of a sale that is not stored", $"Invariant 5 broken: counted as a duplicate, but no sale with id {key} is stored", i);
                continue;
            }
            expectedStored++;
            claimed.Add(key);
            if (!rows.TryGetValue(key, out var row))
            {
                var others = Enumerable.Range(0, batch.Count).Where(j => j != i && (identities[j] == key || messageIds[j] == messageIds[i]))
                    .Select(j => $"#{j} {batch[j].Spec.Kind} ({(fates[j] is { } l ? "dead letter " + l.Reason : "no dead letter")})").ToList();
                Violate("5. a valid sale was neither stored nor dead-lettered",
                    $"Invariant 5 broken: not dead-lettered, not a duplicate, and no sale with id {key} is stored; " +
                    $"the batch's other messages with this sale's or this message's identity: {(others.Count == 0 ? "none" : string.Join(", ", others))}; " +
                    $"dead letters with this message's identity before: {letteredBefore.Contains(messageIds[i])}", i);
                continue;
            }
            if (spec.Facts.FirstOrDefault(f => row.Matches(f, SoldAtWindows(f, raw, arrival))) is not { } match)
            {
                Violate($"5. the stored sale differs from the message ({HostileMessagePropertyTests.Family(spec.Kind)})",
                    $"Invariant 5 broken: stored {row}\n      expected {string.Join("\n      or       ", spec.Facts)}" +
                    $"\n      sold at {string.Join(" or ", spec.Facts.SelectMany(f => SoldAtWindows(f, raw, arrival)).Select(w => w.From == w.To ? $"{w.From:O}" : $"{w.From:O}–{w.To:O}"))}", i);
                continue;
            }
            stored.Add(match);
            if (match.ShowtimeId is { } st)
            {
                History(st).Add($"#{i} {match.Tickets} tickets stored");
                if (Seats(st) + match.Tickets > capacities[st])
                    Violate("5. a sale beyond its showtime's capacity was stored", $"Invariant 5 broken: showtime {st} had {Seats(st)} of {capacities[st]} seats sold, and {match.Tickets} more were stored", i);
                sold[st] = Seats(st) + match.Tickets;
            }
        }
        if (outcome.Stored != expectedStored || outcome.Duplicates != expectedDuplicates)
        {
            Violate("5. stored/duplicate counts differ from what became of the messages",
                $"Invariant 5 broken: the outcome says {outcome.Stored} stored and {outcome.Duplicates} duplicates; the messages' fates say {expectedStored} and {expectedDuplicates}");
        }

        // 3. The tables moved by exactly this batch.
        var after = await SnapshotAsync(db);
        if (after.Sales - before.Sales != outcome.Stored)
            Violate("3. sales rows ≠ stored", $"Invariant 3 broken: {after.Sales - before.Sales} rows added to sales, {outcome.Stored} stored");
        var newLetterRows = outcome.DeadLetters.Select(l => l.MessageId).Distinct().Count(m => !letteredBefore.Contains(m));
        if (after.DeadLetters - before.DeadLetters != newLetterRows)
            Violate("3. dead_letters rows ≠ dead letters", $"Invariant 3 broken: {after.DeadLetters - before.DeadLetters} rows added to dead_letters, {newLetterRows} new dead letters");
        expectedSalesCount += stored.Count;
        foreach (var table in Tables)
        {
            var counted = table == "showtime_sales" ? stored.Where(s => s.ShowtimeId is not null).ToList() : stored;
            var (tickets, revenue) = (counted.Sum(s => (long)s.Tickets), counted.Sum(s => s.Revenue));
            var (t0, r0) = before.Totals[table];
            var (t1, r1) = after.Totals[table];
            if (t1 - t0 != tickets || r1 - r0 != revenue)
                Violate($"3. {table} does not add up", $"Invariant 3 broken: {table} went up by {t1 - t0} tickets and {r1 - r0} revenue; the stored sales are {tickets} tickets and {revenue}");
            var (et, er) = expectedTotals[table];
            expectedTotals[table] = (et + tickets, er + revenue);
        }

        // 4. The dead_letters rows keep the reason, the payload byte for byte, the key and the message's identity.
        var letterRows = await ReadDeadLettersAsync(db, [.. messageIds.Distinct()]);
        for (var i = 0; i < batch.Count; i++)
        {
            if (fates[i] is not { } letter) continue;
            if (!letterRows.TryGetValue(messageIds[i], out var row))
            {
                Violate("4. a dead letter is missing from dead_letters", $"Invariant 4 broken: dead letter {letter.Reason} of message {messageIds[i]} is not in the dead_letters table", i);
                continue;
            }
            if (row.Reason != letter.Reason)
                Violate("4. dead_letters reason differs", $"Invariant 4 broken: the table says {row.Reason}, the outcome {letter.Reason}", i);
            if (!Reasons.Contains(row.Reason))
                Violate($"4. unknown dead-letter reason '{row.Reason}' in the table", $"Invariant 4 broken: reason '{row.Reason}' in dead_letters is not one of DeadLetterReasons", i);
            if (!row.Payload.AsSpan().SequenceEqual(batch[i].Raw.Payload))
                Violate("4. dead_letters payload differs from the message", $"Invariant 4 broken: the stored payload ({row.Payload.Length} bytes) is not the message's ({batch[i].Raw.Payload.Length} bytes)", i);
            if (SafeTextProblem(batch[i].Raw.Key, row.Key, MaxKeyLength) is { } keyProblem)
                Violate("4. dead_letters message_key is not the message's key (made safe)", $"Invariant 4 broken: message_key {HostileMessagePropertyTests.Show(row.Key)} {keyProblem}", i);
            if ((row.Partition, row.Offset) != (batch[i].Raw.Source.Partition, batch[i].Raw.Source.Offset))
                Violate("4. dead_letters coordinates differ from the message's", $"Invariant 4 broken: the table says partition {row.Partition} offset {row.Offset}", i);
        }

        if (violations.Count > 0)
        {
            var causes = violations.Where(v => !v.Consequence).ToList();
            var distinct = (causes.Count > 0 ? causes : violations).Select(v => v.Signature).Distinct().ToList();
            violations = [.. violations.OrderBy(v => v.Consequence)];
            throw new PropertyViolation(distinct,
                $"{violations.Count} violation(s) in a batch of {batch.Count} ({string.Join("; ", distinct)}):\n" +
                string.Join("\n", violations.Take(12).Select(v => "  • " + v.Text)) + (violations.Count > 12 ? $"\n  … and {violations.Count - 12} more" : ""));
        }
    }

    /// <summary>docs/events.md: the key in a dead letter is text, capped at 1,000 characters (the detail at 2,000).</summary>
    private const int MaxKeyLength = 1_000;
    private const int MaxDetailLength = 2_000;

    /// <summary>
    /// When the kept text is not the message's text made safe as docs/events.md says: as it was when it is safe and short;
    /// else with control characters and unpaired surrogates escaped as \uXXXX and, past the cap, cut (a mark allowed).
    /// </summary>
    internal static string? SafeTextProblem(string? sent, string? kept, int cap)
    {
        if (sent is null) return kept is null ? null : "is set, but the message had no key";
        if (kept is null) return "is missing";
        if (kept.Length > cap) return $"is longer than {cap} characters ({kept.Length})";
        if (Unsafe(kept) is { } unsafeText) return unsafeText;
        string[] escaped = [Escape(sent, "x4"), Escape(sent, "X4")];
        if (escaped.Any(e => e.Length <= cap && e == kept)) return null;
        if (escaped.All(e => e.Length <= cap)) return $"is not the key {HostileMessagePropertyTests.Show(sent)} with control characters and unpaired surrogates escaped";
        // Cut: the start of the escaped key, up to an escape or a mark shorter than a few characters.
        var common = escaped.Max(e => e.Zip(kept).TakeWhile(p => p.First == p.Second).Count());
        return common >= cap - 16 && kept.Length - common <= 3 ? null
            : $"is not the start of the key {HostileMessagePropertyTests.Show(sent)} escaped and cut at {cap} characters";
    }

    private static string? DetailProblem(string detail) =>
        string.IsNullOrWhiteSpace(detail) ? "is empty"
        : detail.Length > MaxDetailLength ? $"is longer than {MaxDetailLength} characters ({detail.Length})"
        : Unsafe(detail);

    /// <summary>A control character or an unpaired surrogate: what PostgreSQL's text or UTF-8 cannot take.</summary>
    private static string? Unsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i])) return $"holds the control character U+{(int)text[i]:X4}";
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return $"holds the unpaired surrogate U+{(int)text[i]:X4}";
        }
        return null;
    }

    private static string Escape(string text, string hex)
    {
        var escaped = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) escaped.Append(c).Append(text[++i]);
            else if (char.IsControl(c) || char.IsSurrogate(c)) escaped.Append("\\u").Append(((int)c).ToString(hex, CultureInfo.InvariantCulture));
            else escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>
    /// When a sale may say it was sold: at its sold_at; for the original format at the message's timestamp, or when it
    /// arrived if the producer set none or one out of range (docs/events.md). 0 is the epoch or none: either.
    /// </summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To)> SoldAtWindows(SaleFacts facts, RawMessage raw, (DateTimeOffset From, DateTimeOffset To) arrival)
    {
        if (facts.SoldAt is { } soldAt) return [(soldAt, soldAt)];
        var maxMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
        return raw.TimestampMs switch
        {
            > 0 and var ms when ms <= maxMs => [(DateTimeOffset.FromUnixTimeMilliseconds(ms), DateTimeOffset.FromUnixTimeMilliseconds(ms))],
            0 => [(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch), arrival],
            _ => [arrival],
        };
    }

    /// <summary>Runs each message of <paramref name="items"/> in a batch of its own; says which fail with <paramref name="signature"/>.</summary>
    public async Task<string> IsolateAsync(IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> batch, string signature)
    {
        var clock = Stopwatch.StartNew();
        var culprits = new List<string>();
        var tried = 0;
        foreach (var (_, spec) in batch)
        {
            if (culprits.Count == 3 || clock.Elapsed > TimeSpan.FromSeconds(8)) break;
            tried++;
            var alone = (New(spec), spec);
            try
            {
                await CheckResolvedAsync([alone]);
            }
            catch (Exception exception) when (PropertyViolation.From(exception).Signatures.Contains(signature))
            {
                culprits.Add($"  {HostileMessagePropertyTests.Describe(alone.Item1, spec)}");
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Fails alone, but differently: not this failure.
            }
        }
        return culprits.Count == 0
            ? $"No single message of it fails that way on its own ({tried} tried): it takes the batch."
            : $"Message(s) that fail that way on their own, each alone in a batch:\n{string.Join("\n", culprits)}";
    }

    /// <summary>3 over the whole run: the tables hold exactly what the batches stored and dead-lettered.</summary>
    public async Task AssertTotalsAsync()
    {
        Assert.Equal(expectedSalesCount, Stored);
        var totals = (await SnapshotAsync(harness.Database.DataSource)).Totals;
        foreach (var table in Tables)
        {
            Assert.Equal((table, expectedTotals[table].Tickets, expectedTotals[table].Revenue), (table, totals[table].Tickets, totals[table].Revenue));
        }
    }

    /// <summary>
    /// 3 over the whole run, whatever the messages were: sales rows = all stored, dead_letters rows = the messages
    /// dead-lettered, and every aggregate table sums to exactly the sales table.
    /// </summary>
    public async Task AssertTablesAsync()
    {
        var db = harness.Database;
        Assert.Equal(Stored, await db.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(deadLetterIds.Count, await db.ScalarAsync<long>("select count(*) from dead_letters"));
        var totals = (await SnapshotAsync(db.DataSource)).Totals;
        var all = (await db.ScalarAsync<long>("select coalesce(sum(tickets_sold), 0) from sales"), await db.ScalarAsync<decimal>("select coalesce(sum(revenue), 0) from sales"));
        var ofShowtimes = (await db.ScalarAsync<long>("select coalesce(sum(tickets_sold), 0) from sales where showtime_id is not null"),
            await db.ScalarAsync<decimal>("select coalesce(sum(revenue), 0) from sales where showtime_id is not null"));
        foreach (var table in Tables)
        {
            Assert.Equal((table, table == "showtime_sales" ? ofShowtimes : all), (table, totals[table]));
        }
    }

    private sealed record Snapshot(long Sales, long DeadLetters, IReadOnlyDictionary<string, (long Tickets, decimal Revenue)> Totals);

    private static async Task<Snapshot> SnapshotAsync(NpgsqlDataSource db)
    {
        var sums = string.Join(", ", Tables.Select(t => $"(select coalesce(sum(tickets_sold), 0)::bigint from {t}), (select coalesce(sum(revenue), 0) from {t})"));
        await using var command = db.CreateCommand($"select (select count(*) from sales), (select count(*) from dead_letters), {sums}");
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        await reader.ReadAsync(Cancellation);
        var totals = Tables.Select((t, i) => (t, reader.GetInt64(2 + 2 * i), reader.GetDecimal(3 + 2 * i))).ToDictionary(x => x.t, x => (x.Item2, x.Item3));
        return new(reader.GetInt64(0), reader.GetInt64(1), totals);
    }

    private static async Task<Dictionary<Guid, SaleRow>> ReadSalesAsync(NpgsqlDataSource db, Guid[] ids)
    {
        var rows = new Dictionary<Guid, SaleRow>();
        if (ids.Length == 0) return rows;
        await using var command = db.CreateCommand("""
            select event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, revenue, currency, channel
            from sales where event_id = any($1)
            """);
        command.Parameters.Add(new() { Value = ids });
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        while (await reader.ReadAsync(Cancellation))
        {
            var row = new SaleRow(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.GetFieldValue<DateOnly>(5), reader.GetInt32(6), reader.GetDecimal(7),
                reader.GetDecimal(8), reader.GetString(9), reader.GetString(10));
            rows[row.EventId] = row;
        }
        return rows;
    }

    private static async Task<Dictionary<long, int>> ReadSeatsAsync(NpgsqlDataSource db, long[] showtimeIds)
    {
        var seats = new Dictionary<long, int>();
        if (showtimeIds.Length == 0) return seats;
        await using var command = db.CreateCommand("select showtime_id, tickets_sold from showtime_sales where showtime_id = any($1)");
        command.Parameters.Add(new() { Value = showtimeIds });
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        while (await reader.ReadAsync(Cancellation)) seats[reader.GetInt64(0)] = reader.GetInt32(1);
        return seats;
    }

    private sealed record LetterRow(int Partition, long Offset, string Reason, string Detail, string? Key, byte[] Payload);

    /// <summary>The dead letters of these messages, by the message's identity.</summary>
    private static async Task<Dictionary<Guid, LetterRow>> ReadDeadLettersAsync(NpgsqlDataSource db, Guid[] messageIds)
    {
        var rows = new Dictionary<Guid, LetterRow>();
        await using var command = db.CreateCommand(
            "select message_id, kafka_partition, kafka_offset, reason, detail, message_key, payload from dead_letters where topic = $1 and message_id = any($2)");
        command.Parameters.Add(new() { Value = Topic });
        command.Parameters.Add(new() { Value = messageIds });
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        while (await reader.ReadAsync(Cancellation))
        {
            rows[reader.GetGuid(0)] = new(reader.GetInt32(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<byte[]>(6));
        }
        return rows;
    }
}

/// <summary>A row of <c>sales</c>.</summary>
internal sealed record SaleRow(
    Guid EventId, DateTimeOffset SoldAt, int TheaterId, int MovieId, long? ShowtimeId, DateOnly SaleDate, int Tickets, decimal Price,
    decimal Revenue, string Currency, string Channel)
{
    public SaleFacts Facts => new(TheaterId, MovieId, ShowtimeId, SaleDate, Tickets, Price, Currency, Channel, SoldAt);

    /// <summary>Equal to the facts, and sold within one of the windows (to PostgreSQL's precision, a microsecond).</summary>
    public bool Matches(SaleFacts facts, IEnumerable<(DateTimeOffset From, DateTimeOffset To)> soldAt) =>
        TheaterId == facts.TheaterId && MovieId == facts.MovieId && ShowtimeId == facts.ShowtimeId && SaleDate == facts.SaleDate
        && Tickets == facts.Tickets && Price == facts.Price && Revenue == facts.Revenue && Currency == facts.Currency && Channel == facts.Channel
        && soldAt.Any(w => SoldAt.UtcTicks > w.From.UtcTicks - TimeSpan.TicksPerMicrosecond && SoldAt.UtcTicks < w.To.UtcTicks + TimeSpan.TicksPerMicrosecond);
}
