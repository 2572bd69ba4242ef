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
/// <item>The tables agree with the outcomes: sales rows = stored, dead_letters rows = dead letters (one per Kafka
/// coordinates), and the aggregates add up to exactly the generated valid sales that were stored.</item>
/// <item>Every dead letter has a reason among <see cref="DeadLetterReasons"/> and keeps the message's payload byte for
/// byte (and its key).</item>
/// <item>Every valid message becomes a sale with its facts or a duplicate, never a dead letter, except overbooked when its
/// showtime has no room left; every unusable message becomes a dead letter.</item>
/// <item>Redis agrees with PostgreSQL at the end.</item>
/// </list>
/// Reproducible: batch <c>i</c> of a test is generated from a fixed seed (REELMETRICS_PROPERTY_SEED changes it,
/// REELMETRICS_PROPERTY_COUNT the number of messages). A failure is shrunk by CsCheck to a small batch that fails the
/// same way, then the messages that fail on their own are named; the run goes on to find failures of other kinds.
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
                await property.CheckResolvedAsync(resolved);
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
                    {shrunk?.Text ?? $"Found while bisecting a batch that threw, in a part of {batch.Count} messages (not shrunk: no seed generates that part)."}
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
    private readonly HashSet<(int Partition, long Offset)> deadLetterCoordinates = [];
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
        return spec.Timestamp is { } at ? raw with { Timestamp = at } : raw;
    }

    public async Task CheckResolvedAsync(IReadOnlyList<(RawMessage Raw, MessageSpec Spec)> batch)
    {
        LastBatch = batch;
        if (batch.Count == 0) return;
        Sent += batch.Count;
        var db = harness.Database.DataSource;
        // The identity of a sale: its event id, or for the original format its Kafka coordinates (docs/events.md).
        var identities = batch.Select(m => m.Spec.Expect == Expect.DeadLetter ? (Guid?)null : m.Spec.EventId ?? SaleDecoder.IdentityOf(m.Raw.Source)).ToArray();
        var ids = identities.OfType<Guid>().Distinct().ToArray();
        var showtimeIds = batch.SelectMany(m => m.Spec.Facts).Select(f => f.ShowtimeId).OfType<long>().Distinct().ToArray();
        var offsets = batch.Select(m => m.Raw.Source.Offset).Distinct().ToArray();

        var before = await SnapshotAsync(db);
        var existing = (await ReadSalesAsync(db, ids)).Keys.ToHashSet();
        var seats = await ReadSeatsAsync(db, showtimeIds);
        var lettersBefore = (await ReadDeadLettersAsync(db, offsets)).Keys.ToHashSet();

        BatchOutcome outcome;
        try
        {
            outcome = await harness.ProcessAsync([.. batch.Select(m => m.Raw)]);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !Cancellation.IsCancellationRequested)
        {
            throw PropertyViolation.Threw(exception, batch);
        }

        Stored += outcome.Stored;
        Duplicates += outcome.Duplicates;
        DeadLetters += outcome.DeadLetters.Count;
        foreach (var letter in outcome.DeadLetters) deadLetterCoordinates.Add((letter.Source.Partition, letter.Source.Offset));
        foreach (var message in batch.Where(m => m.Raw.Payload.Length <= 65_536)) earlier.Add(message);
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

        // 4. Dead letters: which message each is, its reason, its payload and key.
        var letters = outcome.DeadLetters
            .GroupBy(l => (l.Source.Topic, l.Source.Partition, l.Source.Offset))
            .ToDictionary(g => g.Key, g => new Queue<DeadLetter>(g));
        var fates = new DeadLetter?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var source = batch[i].Raw.Source;
            if (letters.TryGetValue((source.Topic, source.Partition, source.Offset), out var queue) && queue.Count > 0) fates[i] = queue.Dequeue();
        }
        foreach (var stray in letters.Values.SelectMany(q => q))
        {
            Violate("4. a dead letter of no message of the batch", $"Invariant 4 broken: dead letter {stray.Reason} at {stray.Source} is of no message sent in this batch (or one too many)");
        }
        for (var i = 0; i < batch.Count; i++)
        {
            if (fates[i] is not { } letter) continue;
            if (!Reasons.Contains(letter.Reason))
                Violate($"4. unknown dead-letter reason '{letter.Reason}'", $"Invariant 4 broken: reason '{letter.Reason}' is not one of DeadLetterReasons ({string.Join(", ", Reasons)})", i);
            if (!letter.Payload.AsSpan().SequenceEqual(batch[i].Raw.Payload))
                Violate("4. dead letter payload differs from the message", $"Invariant 4 broken: the dead letter's payload ({letter.Payload.Length} bytes) is not the message's", i);
            if (letter.Key != batch[i].Raw.Key)
                Violate("4. dead letter key differs from the message's", $"Invariant 4 broken: the dead letter's key {HostileMessagePropertyTests.Show(letter.Key)} is not the message's", i);
            if (string.IsNullOrWhiteSpace(letter.Detail))
                Violate("4. dead letter without a detail", $"Invariant 4 broken: dead letter {letter.Reason} says nothing in its detail", i);
        }

        // 5. What each message became, against what it must become (sales in message order, seats counted as they sell).
        var rows = await ReadSalesAsync(db, ids);
        var sold = new Dictionary<long, int>(seats);
        var claimed = new HashSet<Guid>();
        var overbooked = new HashSet<Guid>();
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
            var seen = id is { } known && (existing.Contains(known) || claimed.Contains(known) || overbooked.Contains(known));
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
                if (letter.Reason == DeadLetterReasons.Overbooked && id is { } full) overbooked.Add(full);
                continue;
            }
            if (spec.Expect == Expect.DeadLetter || id is not { } key)
            {
                Violate($"5. an unusable message was accepted ({HostileMessagePropertyTests.Family(spec.Kind)})", "Invariant 5 broken: the message must be a dead letter, but it was counted as stored or as a duplicate", i);
                continue;
            }
            if (seen)
            {
                expectedDuplicates++;
                if (!rows.ContainsKey(key) && !overbooked.Contains(key))
                    Violate("5. counted as a duplicate of a sale that is not stored", $"Invariant 5 broken: counted as a duplicate, but no sale with id {key} is stored", i);
                continue;
            }
            expectedStored++;
            claimed.Add(key);
            if (!rows.TryGetValue(key, out var row))
            {
                Violate("5. a valid sale was neither stored nor dead-lettered", $"Invariant 5 broken: not dead-lettered, not a duplicate, and no sale with id {key} is stored", i);
                continue;
            }
            if (spec.Facts.FirstOrDefault(f => row.Matches(f, raw.Timestamp)) is not { } match)
            {
                Violate($"5. the stored sale differs from the message ({HostileMessagePropertyTests.Family(spec.Kind)})",
                    $"Invariant 5 broken: stored {row}\n      expected {string.Join("\n      or       ", spec.Facts.Select(f => f with { SoldAt = f.SoldAt ?? raw.Timestamp }))}", i);
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
        var newLetterRows = outcome.DeadLetters.Select(l => (l.Source.Partition, l.Source.Offset)).Distinct().Count(c => !lettersBefore.Contains(c));
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

        // 4. The dead_letters rows keep the reason, the payload byte for byte, and the key.
        var letterRows = await ReadDeadLettersAsync(db, offsets);
        for (var i = 0; i < batch.Count; i++)
        {
            if (fates[i] is not { } letter) continue;
            var coordinates = (letter.Source.Partition, letter.Source.Offset);
            if (!letterRows.TryGetValue(coordinates, out var row))
            {
                Violate("4. a dead letter is missing from dead_letters", $"Invariant 4 broken: dead letter {letter.Reason} is not in the dead_letters table", i);
                continue;
            }
            if (!lettersBefore.Contains(coordinates) && row.Reason != letter.Reason && outcome.DeadLetters.Count(l => (l.Source.Partition, l.Source.Offset) == coordinates) == 1)
                Violate("4. dead_letters reason differs", $"Invariant 4 broken: the table says {row.Reason}, the outcome {letter.Reason}", i);
            if (!Reasons.Contains(row.Reason))
                Violate($"4. unknown dead-letter reason '{row.Reason}' in the table", $"Invariant 4 broken: reason '{row.Reason}' in dead_letters is not one of DeadLetterReasons", i);
            if (!row.Payload.AsSpan().SequenceEqual(batch[i].Raw.Payload))
                Violate("4. dead_letters payload differs from the message", $"Invariant 4 broken: the stored payload ({row.Payload.Length} bytes) is not the message's ({batch[i].Raw.Payload.Length} bytes)", i);
            if (row.Key != batch[i].Raw.Key)
                Violate("4. dead_letters message_key differs from the message's key", $"Invariant 4 broken: message_key {HostileMessagePropertyTests.Show(row.Key)} is not the message's key", i);
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
    /// 3 over the whole run, whatever the messages were: sales rows = all stored, dead_letters rows = the coordinates
    /// dead-lettered, and every aggregate table sums to exactly the sales table.
    /// </summary>
    public async Task AssertTablesAsync()
    {
        var db = harness.Database;
        Assert.Equal(Stored, await db.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(deadLetterCoordinates.Count, await db.ScalarAsync<long>("select count(*) from dead_letters"));
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

    private sealed record LetterRow(string Reason, string Detail, string? Key, byte[] Payload);

    private static async Task<Dictionary<(int Partition, long Offset), LetterRow>> ReadDeadLettersAsync(NpgsqlDataSource db, long[] offsets)
    {
        var rows = new Dictionary<(int, long), LetterRow>();
        await using var command = db.CreateCommand(
            "select kafka_partition, kafka_offset, reason, detail, message_key, payload from dead_letters where topic = $1 and kafka_offset = any($2)");
        command.Parameters.Add(new() { Value = Topic });
        command.Parameters.Add(new() { Value = offsets });
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        while (await reader.ReadAsync(Cancellation))
        {
            rows[(reader.GetInt32(0), reader.GetInt64(1))] = new(reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<byte[]>(5));
        }
        return rows;
    }
}

/// <summary>A row of <c>sales</c>.</summary>
internal sealed record SaleRow(
    Guid EventId, DateTimeOffset SoldAt, int TheaterId, int MovieId, long? ShowtimeId, DateOnly SaleDate, int Tickets, decimal Price,
    decimal Revenue, string Currency, string Channel)
{
    /// <summary>Equal to the facts; sold_at to PostgreSQL's precision (a microsecond), or the Kafka timestamp for the original format.</summary>
    public bool Matches(SaleFacts facts, DateTimeOffset timestamp) =>
        TheaterId == facts.TheaterId && MovieId == facts.MovieId && ShowtimeId == facts.ShowtimeId && SaleDate == facts.SaleDate
        && Tickets == facts.Tickets && Price == facts.Price && Revenue == facts.Revenue && Currency == facts.Currency && Channel == facts.Channel
        && Math.Abs((SoldAt - (facts.SoldAt ?? timestamp)).Ticks) < TimeSpan.TicksPerMicrosecond;
}
