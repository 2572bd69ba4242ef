using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Live;
using ReelMetrics.Generator;
using ReelMetrics.Generator.Sales;
using ReelMetrics.LocalInfrastructure.Kafka;
using ReelMetrics.LocalInfrastructure.Postgres;
using ReelMetrics.LocalInfrastructure.Redis;
using ReelMetrics.Tests.Api;
using ReelMetrics.Tests.Fixtures;
using ReelMetrics.Tests.Generator;
using ReelMetrics.Tests.Ingestion;
using ReelMetrics.Tests.LocalInfrastructure;
using StackExchange.Redis;

namespace ReelMetrics.Tests.Chaos;

/// <summary>
/// The whole ingestion path under a seeded schedule of faults (<see cref="ChaosSchedule"/>): the generator sells a fixed
/// number of tickets through a private broker to two consumer processes in one group, the two APIs read PostgreSQL and
/// Redis, and meanwhile consumers are SIGKILLed and replaced, a third joins and leaves, PostgreSQL and Redis restart, the
/// broker goes down and up, and a raw producer mixes hostile messages into the topic. Afterwards the figures must be exact
/// everywhere. Uses servers of its own, since it stops them. <see cref="ChaosSettings"/> says how to make it a soak run.
/// </summary>
public sealed class IngestionChaosTests : IAsyncLifetime
{
    private const string GroupId = "reelmetrics-consumer";   // the consumer's default, as deployed

    /// <summary>How long the consumers may go without committing anything while messages wait, before the run is called stuck.</summary>
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);

    /// <summary>How long Redis, the APIs and the dead-letter topic get to agree with PostgreSQL once everything is stored.</summary>
    private static readonly TimeSpan ConvergenceDeadline = TimeSpan.FromSeconds(30);

    private readonly ScratchDirectory scratch = new();
    private LocalPostgresServer postgres = null!;
    private LocalRedisServer redis = null!;
    private LocalKafkaBroker broker = null!;
    private SalesDatabase database = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        postgres = await LocalPostgresServer.StartNewAsync(new LocalPostgresOptions
        {
            DataDirectory = scratch.DataDirectory,
            Password = "chaos",
            Durable = false,   // stops are clean shutdowns: nothing is lost without fsync
        }, cancellationToken: ct);
        redis = LocalRedisServer.StartNew(new LocalRedisOptions { MemorySize = "256m", IndexSize = "16m" });
        broker = KafkaFixture.StartPrivateBroker(0,
            new LocalKafkaTopic(Topics.TicketSales, Topics.TicketSalesPartitions), new LocalKafkaTopic(Topics.DeadLetters, 1));
        database = await SalesDatabase.CreateAsync(await postgres.CreateDatabaseAsync("chaos", ct));
    }

    public async ValueTask DisposeAsync()
    {
        if (database is not null) await database.DisposeAsync();
        if (broker is not null) await broker.DisposeAsync();
        if (redis is not null) await redis.DisposeAsync();
        if (postgres is not null) await postgres.DisposeAsync();
        scratch.Dispose();
    }

    [Fact]
    public async Task NoSaleIsLostOrCountedTwiceAndEveryBadMessageIsDeadLetteredWhileProcessesDieAndServersRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper;
        var settings = ChaosSettings.FromEnvironment();
        var schedule = ChaosSchedule.Create(settings.Seed, settings.Duration);
        var today = SalesDatabase.Today;
        var plan = HostileMessagePlan.Plan(ChaosSchedule.Derive(settings.Seed, 8), schedule.HostileBursts, today);
        var clock = Stopwatch.StartNew();
        void Log(string line)
        {
            try
            {
                output?.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0}s {line}");
            }
            catch (InvalidOperationException)
            {
                // A consumer's exit noticed after the test ended.
            }
        }

        Log($"seed {settings.Seed} (REELMETRICS_CHAOS_SEED), {settings.Duration.TotalSeconds:0} s of faults (REELMETRICS_CHAOS_DURATION), " +
            $"{settings.SalesCount} sales at {settings.SalesPerSecond}/s (REELMETRICS_CHAOS_RATE)");
        Log(schedule.Describe());

        var violations = new List<string>();
        var consumerSettings = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ConnectionNames.Kafka}"] = broker.BootstrapServers,
            [$"ConnectionStrings:{ConnectionNames.Database}"] = database.ConnectionString,
            [$"ConnectionStrings:{ConnectionNames.Redis}"] = redis.ConnectionString,
            // Topic, group and dead-letter topic are the consumer's defaults. The mock broker completes a rebalance only
            // after session.timeout.ms - 1 s (see KafkaFixture): 6 s, the broker's minimum, keeps joins and kills short.
            ["Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs"] = "6000",
        };
        using var fleet = new ConsumerFleet(consumerSettings, Log);
        fleet.StartCore();
        using var stopMonitor = new CancellationTokenSource();
        var monitor = MonitorAsync(fleet, stopMonitor.Token);

        var (windowFrom, windowTo) = SalesCatalog.WindowAround(today);
        // Outages make the APIs log every fallback; the probe records what they answered instead.
        var apiSettings = new ApiSettings(database.ConnectionString, redis.ConnectionString, Extra: new Dictionary<string, string>
        {
            ["Logging:LogLevel:ReelMetrics.Api"] = "Error",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "None",
        });
        await using var dapper = ApiHost.Start(Backend.Dapper, apiSettings, TimeProvider.System);
        await using var ef = ApiHost.Start(Backend.Ef, apiSettings, TimeProvider.System);
        var probe = new ApiProbe([dapper, ef], windowFrom, windowTo);
        using var stopProbe = new CancellationTokenSource();

        await using var generator = GeneratorHost.Build(
            "--bootstrap-servers", broker.BootstrapServers, "--connection-string", database.ConnectionString,
            "--count", settings.SalesCount.ToString(CultureInfo.InvariantCulture), "--burst",
            "--rate", settings.SalesPerSecond.ToString(CultureInfo.InvariantCulture),
            "--seed", ChaosSchedule.Derive(settings.Seed, 7).ToString(CultureInfo.InvariantCulture),
            "--exit-when-done", "false", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:ReelMetrics.Kafka=None");
        using var hostile = new HostileProducer(broker.BootstrapServers);
        var injected = new ConcurrentDictionary<FaultKind, int>(Enum.GetValues<FaultKind>().ToDictionary(k => k, _ => 0));
        Task? probing = null;
        Task? lagging = null;
        try
        {
            await generator.StartAsync(ct);
            probing = probe.RunAsync(stopProbe.Token);
            lagging = ReportLagAsync(Log, stopMonitor.Token);
            Log($"generator, 2 consumers and both APIs started; faults begin");

            // The schedule: one lane per class, side by side.
            var chaosClock = Stopwatch.StartNew();
            async Task RunLaneAsync(IEnumerable<ChaosStep> steps)
            {
                foreach (var step in steps)
                {
                    var wait = step.At - chaosClock.Elapsed;
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
                    var what = await InjectAsync(step, fleet, hostile, plan, ct);
                    injected.AddOrUpdate(step.Kind, 1, (_, n) => n + 1);
                    if (step.Kind != FaultKind.HostileMessages) Log($"{step.Kind}: {what}");
                }
            }
            await Task.WhenAll(schedule.Steps.GroupBy(s => s.Lane).Select(lane => RunLaneAsync(lane)));
            Log($"schedule done after {chaosClock.Elapsed.TotalSeconds:0.0} s");

            // The generator sells exactly its count (acknowledged sales), then stops selling.
            // Its totals are final once its worker is done (flushed, nothing in flight).
            var worker = generator.Services.GetServices<IHostedService>().OfType<GeneratorWorker>().Single();
            using var generatorHttp = new HttpClient { BaseAddress = new Uri(GeneratorHost.Address(generator)) };
            var finished = await Task.WhenAny(worker.ExecuteTask!, Task.Delay(TimeSpan.FromSeconds(90), ct)) == worker.ExecuteTask;
            var totals = await GeneratorHost.GetTotalsAsync(generatorHttp, ct);
            Assert.True(finished, $"the generator had not finished 90 s after the schedule: {totals.SalesCount} of {settings.SalesCount} sales acknowledged, {totals.InFlight} in flight");
            Log($"generator done: {totals.SalesCount} sales, {totals.TicketsSold} tickets, {totals.Revenue} USD, " +
                $"{totals.DeliveryFailures} delivery failures retried, {totals.InFlight} in flight");
            Assert.Equal(0L, totals.InFlight);
            if (totals.SalesCount < settings.SalesCount) violations.Add($"the generator stopped after {totals.SalesCount} of its {settings.SalesCount} sales (see its log)");

            if (!hostile.Flush(TimeSpan.FromSeconds(60))) violations.Add("the raw producer could not deliver every hostile message within 60 s");
            foreach (var failure in hostile.Failures) violations.Add($"test infrastructure: a hostile message was not delivered, so the totals cannot be judged exactly: {failure}");
            stopProbe.Cancel();
            await probing;
            await fleet.WaitForStopsAsync(ct);

            var drained = await DrainAsync(fleet, Log, ct);
            if (drained is not null) violations.Add(drained);
            Log(drained is null ? "every message on the topic is stored and committed" : "the consumers did not finish");
            database.DataSource.Clear();   // connections from before PostgreSQL's last restart

            var sent = hostile.Sent;
            var originals = sent.Where(s => s.Message.Sale is not null).Select(s => s.Message.Sale!).ToList();
            violations.AddRange(await CheckTotalsAsync(totals, originals));
            violations.AddRange(await CheckDeadLettersAsync(sent, Log));
            Log("checked the totals and dead_letters");
            violations.AddRange(CheckDeadLetterTopic(sent));
            Log($"checked topic {Topics.DeadLetters}");
            violations.AddRange(await CheckLiveCacheAsync());
            Log("checked Redis against PostgreSQL");
            violations.AddRange(await CheckApisAsync([dapper, ef], Log));
            Report(violations, "API answers during the faults were neither 200 nor 503 (or not the expected JSON)", probe.Failures);
            violations.AddRange(fleet.Verdict());

        }
        finally
        {
            // What the run did, whatever became of it.
            var sent = hostile.Sent;
            var expectedReasons = sent.Where(s => s.Message.ExpectedReason is not null)
                .GroupBy(s => s.Message.ExpectedReason!).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
            Log($"faults injected (seed {settings.Seed}): " + string.Join(", ", injected.OrderBy(e => e.Key).Select(e => $"{e.Key} {e.Value}")));
            Log($"hostile messages: {hostile.Produced} sent in {injected[FaultKind.HostileMessages]} bursts, {sent.Count} acknowledged, " +
                $"of which {sent.Count(s => s.Message.Sale is not null)} valid original-format sales; dead letters expected: {string.Join(", ", expectedReasons)}");
            Log($"consumers: {fleet.Started} started, {fleet.Killed} killed, {fleet.Joined} joined, {fleet.Left} left, {fleet.UnexpectedExits} exited by themselves");
            Log($"API answers during the faults: {string.Join(", ", probe.Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} ×{a.Value}"))}");
            Log($"{violations.Count} invariants violated; run took {clock.Elapsed.TotalSeconds:0} s");

            stopProbe.Cancel();
            if (probing is not null) await probing.ContinueWith(_ => { }, TaskScheduler.Default);
            await stopMonitor.CancelAsync();
            await monitor;
            if (lagging is not null) await lagging;
            await generator.StopAsync(CancellationToken.None);
        }

        Assert.True(violations.Count == 0,
            $"{violations.Count} invariants violated (seed {settings.Seed}):\n\n" + string.Join("\n\n", violations));
    }

    /// <summary>Carries out one step of the schedule; says what it did.</summary>
    private async Task<string> InjectAsync(ChaosStep step, ConsumerFleet fleet, HostileProducer hostile,
        IReadOnlyList<IReadOnlyList<PlannedMessage>> plan, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        switch (step.Kind)
        {
            case FaultKind.KillConsumer:
                return fleet.Kill(step.Choice);
            case FaultKind.ConsumerJoins:
                return fleet.Join();
            case FaultKind.ConsumerLeaves:
                return fleet.Leave();
            case FaultKind.RestartPostgres:
                await postgres.StopAsync(ct);
                try
                {
                    await Task.Delay(step.Hold, ct);
                }
                finally
                {
                    await postgres.StartAsync(ct);
                }
                return $"PostgreSQL was down for {watch.Elapsed.TotalSeconds:0.0} s";
            case FaultKind.RestartRedis:
                redis.Stop();
                try
                {
                    await Task.Delay(step.Hold, ct);
                }
                finally
                {
                    redis.Start();
                }
                return $"Redis was down for {watch.Elapsed.TotalSeconds:0.0} s and came back empty";
            case FaultKind.BrokerOutage:
                broker.SetDown();
                try
                {
                    await Task.Delay(step.Hold, ct);
                }
                finally
                {
                    broker.SetUp();
                }
                return $"the broker was down for {watch.Elapsed.TotalSeconds:0.0} s";
            default:
                var messages = plan[step.Choice % plan.Count];
                hostile.Send(messages);
                return $"{messages.Count} hostile messages";
        }
    }

    private static async Task MonitorAsync(ConsumerFleet fleet, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            fleet.Check();
            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Every 10 s, how far the group is behind the end of the topic (skipped while the broker does not answer).</summary>
    private async Task ReportLagAsync(Action<string> log, CancellationToken stop)
    {
        using var reader = OffsetReader();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), stop);
                var lag = await Task.Run(() => GroupLag(reader, TimeSpan.FromSeconds(2)), stop);
                log($"lag: {lag.Values.Sum(l => l.High - l.Committed)} messages not yet committed by the group");
            }
            catch (KafkaException)
            {
                // The broker is down: nothing to report this time.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads the group's committed offsets without joining it (it never subscribes).</summary>
    private IConsumer<Ignore, Ignore> OffsetReader() => new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
    {
        BootstrapServers = broker.BootstrapServers,
        GroupId = GroupId,
        EnableAutoCommit = false,
    }).SetLogHandler((_, _) => { }).Build();

    /// <summary>Per partition of the topic: its end and the group's committed offset.</summary>
    private static Dictionary<int, (long High, long Committed)> GroupLag(IConsumer<Ignore, Ignore> reader, TimeSpan timeout)
    {
        var partitions = Enumerable.Range(0, Topics.TicketSalesPartitions).Select(p => new TopicPartition(Topics.TicketSales, p)).ToList();
        var committed = reader.Committed(partitions, timeout).ToDictionary(c => c.Partition.Value, c => Math.Max(0, c.Offset.Value));
        return partitions.ToDictionary(p => p.Partition.Value, p => (reader.QueryWatermarkOffsets(p, timeout).High.Value, committed[p.Partition.Value]));
    }

    /// <summary>
    /// Waits until the group has committed every partition up to its end: everything on the topic is stored. Gives up
    /// when the committed offsets stop moving for <see cref="StallLimit"/> and says where it stuck.
    /// </summary>
    private async Task<string?> DrainAsync(ConsumerFleet fleet, Action<string> log, CancellationToken ct)
    {
        using var reader = OffsetReader();
        var progress = Stopwatch.StartNew();
        var reported = Stopwatch.StartNew();
        var lastCommitted = -1L;
        var lag = new Dictionary<int, (long High, long Committed)>();
        while (true)
        {
            fleet.Check();
            try
            {
                lag = GroupLag(reader, TimeSpan.FromSeconds(5));
                if (lag.Values.All(l => l.Committed >= l.High)) return null;
                var total = lag.Values.Sum(l => l.Committed);
                if (total != lastCommitted)
                {
                    lastCommitted = total;
                    progress.Restart();
                }
                if (reported.Elapsed > TimeSpan.FromSeconds(5))
                {
                    log($"draining: {lag.Values.Sum(l => l.High - l.Committed)} messages left in partitions " +
                        string.Join(", ", lag.Where(l => l.Value.Committed < l.Value.High).Select(l => l.Key)));
                    reported.Restart();
                }
            }
            catch (KafkaException e)
            {
                log($"reading the group's offsets failed ({e.Error.Reason}); trying again");
            }
            if (progress.Elapsed > StallLimit)
            {
                return $"the consumers stopped committing with messages left: no progress for {StallLimit.TotalSeconds:0} s; " +
                    "partitions behind (committed/end): " +
                    string.Join(", ", lag.Where(l => l.Value.Committed < l.Value.High).Select(l => $"{l.Key}: {l.Value.Committed}/{l.Value.High}")) +
                    await SessionsAsync() + fleet.RecentOutputOfRunning(60);
            }
            await Task.Delay(250, ct);
        }
    }

    /// <summary>What PostgreSQL's sessions are doing (a consumer waiting on a lock, idle in a transaction…), for a stuck run.</summary>
    private async Task<string> SessionsAsync()
    {
        try
        {
            database.DataSource.Clear();
            var sessions = await RowsAsync("""
                select pid, coalesce(application_name, ''), state, coalesce(wait_event_type || '/' || wait_event, '-'),
                       extract(epoch from now() - coalesce(xact_start, query_start))::int, left(regexp_replace(query, '\s+', ' ', 'g'), 120)
                from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'
                """);
            return "\n  PostgreSQL sessions not idle (pid:application:state:wait:seconds:query): " +
                (sessions.Count == 0 ? "none" : string.Join("\n    ", sessions.Prepend("")));
        }
        catch (Npgsql.NpgsqlException e)
        {
            return $"\n  PostgreSQL sessions: could not be read ({e.Message})";
        }
    }

    /// <summary>PostgreSQL holds exactly the generator's sales plus the valid original-format events: nothing lost, nothing doubled.</summary>
    private async Task<List<string>> CheckTotalsAsync(GeneratorTotalsSnapshot totals, IReadOnlyList<OriginalSale> originals)
    {
        var problems = new List<string>();
        void Expect<T>(string what, T expected, T actual)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual)) problems.Add($"{what}: expected {expected}, PostgreSQL has {actual}");
        }

        var expectedSales = totals.SalesCount + originals.Count;
        var expectedTickets = totals.TicketsSold + originals.Sum(o => (long)o.TicketsSold);
        var expectedRevenue = totals.Revenue + originals.Sum(o => o.Revenue);
        Expect("sales (rows in sales)", expectedSales, await database.ScalarAsync<long>("select count(*) from sales"));
        Expect("tickets in theater_daily_sales", expectedTickets, await database.ScalarAsync<long>("select coalesce(sum(tickets_sold), 0) from theater_daily_sales"));
        Expect("revenue in theater_daily_sales", expectedRevenue, await database.ScalarAsync<decimal>("select coalesce(sum(revenue), 0) from theater_daily_sales"));
        Expect("sales_count in theater_daily_sales", expectedSales, await database.ScalarAsync<long>("select coalesce(sum(sales_count), 0) from theater_daily_sales"));
        Expect("revenue in movie_daily_sales", expectedRevenue, await database.ScalarAsync<decimal>("select coalesce(sum(revenue), 0) from movie_daily_sales"));
        Expect("tickets in showtime_sales (the generator's sales only)", totals.TicketsSold,
            await database.ScalarAsync<long>("select coalesce(sum(tickets_sold), 0) from showtime_sales"));
        Expect("original-format sales (sales without a showtime)", (long)originals.Count,
            await database.ScalarAsync<long>("select count(*) from sales where showtime_id is null"));
        Expect("revenue of original-format sales", originals.Sum(o => o.Revenue),
            await database.ScalarAsync<decimal>("select coalesce(sum(revenue), 0) from sales where showtime_id is null"));

        // Where exactly: each theater's day.
        var expected = totals.Theaters.ToDictionary(t => (t.SaleDate, t.TheaterId), t => (t.SalesCount, t.TicketsSold, t.Revenue));
        foreach (var original in originals)
        {
            var key = (original.SaleDate, original.TheaterId);
            var (sales, tickets, revenue) = expected.GetValueOrDefault(key);
            expected[key] = (sales + 1, tickets + original.TicketsSold, revenue + original.Revenue);
        }
        var actual = new Dictionary<(DateOnly, int), (long, long, decimal)>();
        await using (var command = database.DataSource.CreateCommand("select sale_date, theater_id, sales_count, tickets_sold, revenue from theater_daily_sales"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                actual[(reader.GetFieldValue<DateOnly>(0), reader.GetInt32(1))] = (reader.GetInt64(2), reader.GetInt64(3), reader.GetDecimal(4));
            }
        }
        var differences = expected.Keys.Union(actual.Keys)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
            .OrderBy(k => k.Item1).ThenBy(k => k.Item2)
            .Select(k => $"{k.Item1:yyyy-MM-dd} theater {k.Item2}: expected (sales, tickets, revenue) {expected.GetValueOrDefault(k)}, PostgreSQL has {actual.GetValueOrDefault(k)}")
            .ToList();
        if (differences.Count > 0)
        {
            problems.Add($"{differences.Count} theater days of theater_daily_sales differ from the generator's totals plus the original-format sales:\n  " +
                string.Join("\n  ", differences.Take(15)) + (differences.Count > 15 ? "\n  …" : ""));
        }
        return problems;
    }

    /// <summary>Every hostile message is in dead_letters once, at its coordinates, with its reason and its exact bytes; nothing else is.</summary>
    private async Task<List<string>> CheckDeadLettersAsync(IReadOnlyList<SentMessage> sent, Action<string> log)
    {
        var rows = new Dictionary<(int Partition, long Offset), (string Topic, string Reason, string Detail, byte[] Payload)>();
        var doubled = new List<string>();
        await using (var command = database.DataSource.CreateCommand("select topic, kafka_partition, kafka_offset, reason, detail, payload from dead_letters"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                var row = (reader.GetString(0), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<byte[]>(5));
                if (!rows.TryAdd((reader.GetInt32(1), reader.GetInt64(2)), row)) doubled.Add($"{row.Item1}/{reader.GetInt32(1)}@{reader.GetInt64(2)} {row.Item2}");
            }
        }

        var missing = new List<string>();
        var wrongReason = new List<string>();
        var wrongPayload = new List<string>();
        var validDeadLettered = new List<string>();
        foreach (var message in sent)
        {
            var found = rows.Remove((message.Partition, message.Offset), out var row) && row.Topic == Topics.TicketSales;
            if (message.Message.ExpectedReason is not { } reason)
            {
                if (found) validDeadLettered.Add($"{message.Message.Kind} at {message.Source} as {row.Reason}: {row.Detail}");
            }
            else if (!found)
            {
                missing.Add($"{message.Message.Kind} at {message.Source} (expected reason {reason})");
            }
            else if (row.Reason != reason)
            {
                wrongReason.Add($"{message.Message.Kind} at {message.Source} as {row.Reason} ({row.Detail}), expected {reason}");
            }
            else if (!row.Payload.AsSpan().SequenceEqual(message.Message.Payload))
            {
                wrongPayload.Add($"{message.Message.Kind} at {message.Source}: {row.Payload.Length} bytes stored, {message.Message.Payload.Length} sent");
            }
        }
        // A produce retried across a broker outage can be written twice (the restarted broker does not know the
        // producer's sequence numbers), and only the copy the broker acknowledged has known coordinates. Another copy of
        // a message the producer sent is dead-lettered at its own offset, as a message of its own: accepted when its
        // bytes and reason are those of a sent message.
        var copies = rows.Where(r => sent.Any(m => m.Message.ExpectedReason == r.Value.Reason && r.Value.Payload.AsSpan().SequenceEqual(m.Message.Payload)))
            .Select(r => r.Key).ToList();
        foreach (var key in copies) rows.Remove(key);
        if (copies.Count > 0) log($"{copies.Count} dead letters are second copies of hostile messages (a produce retried across a broker outage)");
        var problems = new List<string>();
        Report(problems, "messages are in dead_letters more than once", doubled);
        Report(problems, "hostile messages are not in dead_letters", missing);
        Report(problems, "hostile messages are dead-lettered with another reason than expected", wrongReason);
        Report(problems, "dead letters do not hold the message's exact bytes", wrongPayload);
        Report(problems, "valid original-format events were dead-lettered (sales lost)", validDeadLettered);
        Report(problems, "dead letters are of messages the raw producer did not send (sales of the generator?)",
            [.. rows.Select(r => $"{r.Value.Topic}/{r.Key.Partition}@{r.Key.Offset} {r.Value.Reason}: {r.Value.Detail}")]);
        return problems;
    }

    /// <summary>One violation for a list of like problems: how many, and the first few.</summary>
    private static void Report(List<string> problems, string what, IReadOnlyList<string> items, int shown = 10)
    {
        if (items.Count == 0) return;
        problems.Add($"{items.Count} {what}:\n  " + string.Join("\n  ", items.Take(shown)) + (items.Count > shown ? $"\n  … and {items.Count - shown} more" : ""));
    }

    /// <summary>Every hostile message also reached the dead-letter topic (at least once: it is published before the commit), with its reason.</summary>
    private List<string> CheckDeadLetterTopic(IReadOnlyList<SentMessage> sent)
    {
        var expected = sent.Where(s => s.Message.ExpectedReason is not null).ToDictionary(s => s.Source);
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = $"chaos-dead-letter-reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(new TopicPartitionOffset(Topics.DeadLetters, 0, Offset.Beginning));
        var seen = new Dictionary<string, (string Reason, byte[] Payload)>();
        var deadline = Stopwatch.StartNew();
        while (expected.Keys.Any(k => !seen.ContainsKey(k)) && deadline.Elapsed < ConvergenceDeadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { IsPartitionEOF: false } result) continue;
            var headers = result.Message.Headers;
            string Header(string name) => headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : "";
            seen[Header("source")] = (Header("reason"), result.Message.Value ?? []);
        }

        var notPublished = new List<string>();
        foreach (var (source, message) in expected)
        {
            if (!seen.TryGetValue(source, out var letter)) notPublished.Add($"{message.Message.Kind} at {source}: never published");
            else if (letter.Reason != message.Message.ExpectedReason) notPublished.Add($"{message.Message.Kind} at {source}: published with reason {letter.Reason}, expected {message.Message.ExpectedReason}");
            else if (!letter.Payload.AsSpan().SequenceEqual(message.Message.Payload)) notPublished.Add($"{message.Message.Kind} at {source}: published with other bytes");
        }
        var problems = new List<string>();
        Report(problems, $"hostile messages did not reach topic {Topics.DeadLetters} as they should", notPublished);
        return problems;
    }

    /// <summary>Redis's live aggregates come to equal PostgreSQL's (after its restarts the consumers must rebuild them).</summary>
    private async Task<List<string>> CheckLiveCacheAsync()
    {
        using var cache = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var failure = await EventuallyAsync(() => LiveCacheAssert.MatchesDatabaseAsync(database, cache.GetDatabase()));
        if (failure is null) return [];
        var built = await cache.GetDatabase().KeyExistsAsync(LiveKeys.Built);
        return [$"Redis's live aggregates did not come to equal PostgreSQL's within {ConvergenceDeadline.TotalSeconds:0} s " +
            $"(marker {LiveKeys.Built} {(built ? "present: the APIs trust this cache" : "missing")}): {failure.Message}"];
    }

    /// <summary>Both APIs answer PostgreSQL's figures: each date's leaderboards and the window's summary.</summary>
    private async Task<List<string>> CheckApisAsync(IReadOnlyList<ApiHost> apis, Action<string> log)
    {
        var dates = new List<DateOnly>();
        await using (var command = database.DataSource.CreateCommand("select distinct sale_date from theater_daily_sales order by 1"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken)) dates.Add(reader.GetFieldValue<DateOnly>(0));
        }
        var (from, to) = SalesCatalog.WindowAround(SalesDatabase.Today);

        async Task CompareAsync()
        {
            foreach (var api in apis)
            {
                foreach (var date in dates)
                {
                    foreach (var (route, table, id) in new[] { ("theaters", "theater_daily_sales", "theater_id"), ("movies", "movie_daily_sales", "movie_id") })
                    {
                        var url = $"/leaderboards/{route}?date={ApiProbe.Day(date)}&limit=100";
                        var answer = await api.Client.FetchAsync(url);
                        Assert.True(answer.Status == System.Net.HttpStatusCode.OK, $"{api.Backend} GET {url}: {answer}");
                        var served = answer.Node.AsArray().Select(r => $"{r![id]}:{r["revenue"]!.GetValue<decimal>():0.00}:{r["tickets_sold"]}").ToList();
                        var stored = await RowsAsync($"select {id}, revenue, tickets_sold from {table} where sale_date = $1 order by revenue desc, {id}", date);
                        Assert.True(stored.SequenceEqual(served), $"{api.Backend} GET {url} answers [{string.Join(", ", served)}], PostgreSQL has [{string.Join(", ", stored)}]");
                    }
                }
                var summaryUrl = $"/summary?from={ApiProbe.Day(from)}&to={ApiProbe.Day(to)}";
                var summary = await api.Client.FetchAsync(summaryUrl);
                Assert.True(summary.Status == System.Net.HttpStatusCode.OK, $"{api.Backend} GET {summaryUrl}: {summary}");
                var node = summary.Node;
                var servedSummary = $"{node["revenue"]!.GetValue<decimal>():0.00}:{node["tickets_sold"]}:{node["sales_count"]}";
                var storedSummary = (await RowsAsync(
                    "select coalesce(sum(revenue), 0), coalesce(sum(tickets_sold), 0)::bigint, coalesce(sum(sales_count), 0)::bigint from theater_daily_sales where sale_date between $1 and $2",
                    from, to)).Single();
                Assert.True(storedSummary == servedSummary, $"{api.Backend} GET {summaryUrl} answers {servedSummary} (revenue:tickets:sales), PostgreSQL has {storedSummary}");
            }
        }

        var failure = await EventuallyAsync(CompareAsync);
        log(failure is null ? $"both APIs answer PostgreSQL's figures for {dates.Count} dates" : "the APIs do not answer PostgreSQL's figures");
        return failure is null ? [] : [$"the APIs' figures did not come to equal PostgreSQL's within {ConvergenceDeadline.TotalSeconds:0} s: {failure.Message}"];
    }

    /// <summary>Rows as <c>a:b:c</c> text (numbers invariant, money with two decimals), for comparison with what the APIs serve.</summary>
    private async Task<List<string>> RowsAsync(string sql, params object[] parameters)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(string.Join(':', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                decimal money => money.ToString("0.00", CultureInfo.InvariantCulture),
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString(),
            })));
        }
        return rows;
    }

    /// <summary>Runs <paramref name="assertion"/> until it passes or <see cref="ConvergenceDeadline"/> has passed; the last failure, or null.</summary>
    private static async Task<Exception?> EventuallyAsync(Func<Task> assertion)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await assertion();
                return null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (watch.Elapsed > ConvergenceDeadline) return e;
            }
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }
}
