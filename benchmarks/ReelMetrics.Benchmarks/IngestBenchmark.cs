using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace ReelMetrics.Benchmarks;

/// <summary>A consumer draining a topic that was filled up front: its sustained rate.</summary>
internal sealed record DrainResult(
    string Consumer, long Events, long Stored, bool Complete, double SecondsToDrain, double EventsPerSecond, double SustainedEventsPerSecond,
    long PeakWorkingSetKb, ExactnessReport Exactness, long StartUnixMs, IReadOnlyList<ProgressSample> Progress, CpuUse Cpu,
    PostgresStats? Postgres, SteadyCpu? Steady)
{
    /// <summary>CPU time of the whole machine per stored sale, in microseconds.</summary>
    public double MachineMicrosecondsPerSale => Stored <= 0 ? 0 : Cpu.Machine * 1e6 / Stored;

    /// <summary>CPU time of the consumer process per stored sale, in microseconds.</summary>
    public double ConsumerMicrosecondsPerSale => Stored <= 0 ? 0 : Cpu.Consumer * 1e6 / Stored;
}

/// <summary>The generator at a fixed rate with the consumer keeping up: freshness and lag.</summary>
internal sealed record RateResult(
    double TargetRate, long Events, double GeneratorRate, double StoredRate, long MaxLag, double LagP99,
    FreshnessReport Freshness, long ConsumerPeakKb, long ApiPeakKb, ExactnessReport Exactness, long StartUnixMs,
    IReadOnlyList<ProgressSample> Progress);

internal sealed record IngestResults(
    long Events, int Seed, double PreloadSeconds, double PreloadRate, DrainResult Ours, DrainResult? Naive, IReadOnlyList<RateResult> Rates,
    string OursDatabase, string OursRedis, IReadOnlyList<DrainResult> Variants)
{
    /// <summary>Ours / naive, sustained; none when either rate could not be measured (a run too short to sample).</summary>
    public double? Ratio => Naive is null || Naive.SustainedEventsPerSecond <= 0 || Ours.SustainedEventsPerSecond <= 0
        ? null : Ours.SustainedEventsPerSecond / Naive.SustainedEventsPerSecond;

    /// <summary>The repeat drain: our consumer again, same topic, same settings, own database.</summary>
    public DrainResult? Repeat => Variants.FirstOrDefault(v => v.Consumer == "ours-" + IngestOptions.RepeatVariant);

    /// <summary>
    /// How far two drains of the same topic with the same consumer differ (|ours − repeat| / mean of the two): the noise
    /// of this machine at this moment, to read every ratio against. None without a repeat drain.
    /// </summary>
    public double? Noise => Repeat is not { SustainedEventsPerSecond: > 0 } repeat || Ours.SustainedEventsPerSecond <= 0
        ? null
        : Math.Abs(Ours.SustainedEventsPerSecond - repeat.SustainedEventsPerSecond) / ((Ours.SustainedEventsPerSecond + repeat.SustainedEventsPerSecond) / 2);
}

internal sealed class IngestOptions
{
    /// <summary>Name of the variant that repeats our drain unchanged (the noise measurement).</summary>
    public const string RepeatVariant = "repeat";

    public long Events { get; init; } = 300_000;
    public int Seed { get; init; } = 42;
    public bool Naive { get; init; } = true;
    public double NaiveSeconds { get; init; } = 120;
    public IReadOnlyList<long> Rates { get; init; } = [1_000, 10_000, 50_000];
    public double RateSeconds { get; init; } = 20;
    /// <summary>Most sales of one fixed-rate run: a consumer that cannot keep up only makes the run longer, not more telling.</summary>
    public long MaxRateEvents { get; init; } = 350_000;
    /// <summary>Extra environment for our consumer (e.g. Consumer__MaxBatchSize), to try settings.</summary>
    public IReadOnlyDictionary<string, string> ConsumerEnvironment { get; init; } = new Dictionary<string, string>();
    /// <summary>More runs of our consumer on the same topic, each with extra environment: what a setting buys, side by side.</summary>
    public IReadOnlyList<(string Name, IReadOnlyDictionary<string, string> Environment)> Variants { get; init; } = [];
}

/// <summary>
/// Ingestion: (1) saturation — the generator fills a topic with N sales, then our consumer drains it,
/// then the naive consumer drains the very same topic (same events, another group, its own database);
/// (2) fixed rates — the generator sells at 1k, 10k, 50k sales/s while our consumer and the Dapper API
/// run, and freshness is measured. Every run ends with the exactness check.
/// </summary>
internal sealed class IngestBenchmark(BenchContext context, IngestOptions options)
{
    private BenchInfrastructure Infra => context.Infrastructure;

    public async Task<IngestResults> RunAsync()
    {
        var id = context.RunId;
        var topic = Infra.CreateTopic($"bench-{id}-saturation");
        var oursDb = await Infra.CreateDatabaseAsync($"bench_{id}_ours", context.Today);
        var naiveDb = options.Naive ? await Infra.CreateDatabaseAsync($"bench_{id}_naive", context.Today) : null;
        var variantDbs = new List<string>();
        for (var i = 0; i < options.Variants.Count; i++) variantDbs.Add(await Infra.CreateDatabaseAsync($"bench_{id}_variant_{i}", context.Today));

        // 1. Fill the topic.
        var totalsFile = Path.Combine(context.OutputDirectory, "saturation-totals.json");
        context.Say($"saturation: the generator puts {options.Events:N0} sales (seed {options.Seed}) on {topic}");
        var preload = Stopwatch.StartNew();
        await using (var generator = context.Products.StartGenerator("generator-saturation", Infra.Kafka.BootstrapServers, topic, oursDb, options.Events, options.Seed, null, totalsFile))
        {
            var code = await generator.WaitForExitAsync(TimeSpan.FromMinutes(10));
            if (code != 0) throw new BenchmarkFailure($"the generator exited with {code} (see generator-saturation.log)");
        }
        preload.Stop();
        var totals = GeneratorTotals.Read(totalsFile);
        if (totals.Sales != options.Events) throw new BenchmarkFailure($"the generator's totals say {totals.Sales} sales, not {options.Events}");
        context.Say($"saturation: {totals.Sales:N0} sales, {totals.Tickets:N0} tickets, {totals.Revenue:N2} USD in {preload.Elapsed.TotalSeconds:0.0} s ({totals.AverageRate:N0}/s)");

        {
            var (low, high) = RunMonitor.Watermarks(Infra.Kafka.BootstrapServers, topic, 16);
            if (low != 0 || high != totals.Sales)
            {
                throw new BenchmarkFailure($"the topic holds offsets {low}..{high}, not 0..{totals.Sales}: the mock broker dropped events " +
                    "(it keeps 5 MiB per partition); use fewer --events");
            }
            context.Say($"saturation: the topic holds all {high:N0} events (low watermarks 0)");
        }

        // Other commits' consumers (variants with COMMIT=rev) are built before any drain, so no build runs beside one.
        var variantDlls = new List<string?>();
        foreach (var (_, environment) in options.Variants)
        {
            variantDlls.Add(
                environment.TryGetValue("COMMIT", out var revision) ? await context.Products.BuildConsumerAtAsync(revision, context.Say)
                : environment.ContainsKey("READYTORUN") ? await context.Products.PublishReadyToRunConsumerAsync(context.Say)
                : null);
        }

        // 2. Our consumer drains it.
        var oursRedis = Infra.NewRedisConnectionString();
        var ours = await DrainAsync("ours", topic, oursDb, oursRedis, totals, naive: false, options.ConsumerEnvironment);

        var variants = new List<DrainResult>();
        for (var i = 0; i < options.Variants.Count; i++)
        {
            var (variantName, environment) = options.Variants[i];
            var merged = new Dictionary<string, string>(options.ConsumerEnvironment);
            var consumers = 1;
            var dll = variantDlls[i];
            foreach (var (key, value) in environment)
            {
                if (key == "PRESET") await ApplyPresetAsync(variantDbs[i], value);
                else if (key == "CONSUMERS") consumers = ConsumerCount(value);
                else if (key is "COMMIT" or "READYTORUN") continue;   // built above
                else merged[key] = value;
            }
            variants.Add(await DrainAsync($"ours-{variantName}", topic, variantDbs[i], Infra.NewRedisConnectionString(), totals, naive: false, merged, consumers, dll));
        }

        // 3. The naive consumer drains the same events.
        DrainResult? naive = null;
        if (naiveDb is not null)
        {
            await using (var connection = new NpgsqlConnection(naiveDb))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand(NaiveConsumer.TableSql, connection);
                await create.ExecuteNonQueryAsync();
            }
            naive = await DrainAsync("naive", topic, naiveDb, Infra.NewRedisConnectionString(), totals, naive: true, new Dictionary<string, string>());
        }

        // 4. Fixed rates.
        var rates = new List<RateResult>();
        foreach (var rate in options.Rates)
        {
            rates.Add(await RunRateAsync(rate));
        }

        return new IngestResults(options.Events, options.Seed, preload.Elapsed.TotalSeconds, totals.AverageRate, ours, naive, rates, oursDb, oursRedis, variants);
    }

    private static int ConsumerCount(string value) =>
        int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 16
            ? count : throw new BenchmarkFailure($"CONSUMERS={value}: give a number of consumer processes from 1 to 16");

    /// <param name="consumers">Consumer processes in one group (scale-out): each takes its share of the partitions.</param>
    private async Task<DrainResult> DrainAsync(string who, string topic, string postgres, string redis, GeneratorTotals totals, bool naive,
        IReadOnlyDictionary<string, string> environment, int consumers = 1, string? consumerDll = null)
    {
        await PostgresStatistics.ResetAsync(postgres);
        var group = $"{who}-{context.RunId}";
        var dataSource = NpgsqlDataSource.Create(postgres);
        var stored = naive
            ? VisibilityProbe.Sql(dataSource, "select coalesce(max(id), 0) from ticket_sales")
            : VisibilityProbe.Sql(dataSource, "select coalesce(sum(sales_count), 0)::bigint from theater_daily_sales");
        using var monitor = new RunMonitor(Infra.Kafka.BootstrapServers, topic, 16, group, stored);
        using var stop = new CancellationTokenSource();
        var monitoring = monitor.RunAsync(stop.Token);

        var limit = naive ? TimeSpan.FromSeconds(options.NaiveSeconds) : TimeSpan.FromSeconds(Math.Max(120, totals.Sales / 2_000.0));
        context.Say($"{who}: draining {totals.Sales:N0} events (at most {limit.TotalSeconds:0} s)");
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var children = naive
            ? [context.Products.StartNaiveConsumer($"consumer-{who}", Infra.Kafka.BootstrapServers, topic, group, postgres, redis, totals.Sales, limit.TotalSeconds + 30)]
            : Enumerable.Range(1, consumers).Select(n => context.Products.StartConsumer(
                n == 1 ? $"consumer-{who}" : $"consumer-{who}-{n}", Infra.Kafka.BootstrapServers, topic, group, postgres, redis, environment, consumerDll)).ToList();
        long peak;
        bool complete;
        CpuUse cpu;
        SteadyWindow steady;
        try
        {
            var meter = new CpuMeter(Infra.PostgresPid, () => children.Where(c => !c.HasExited).Select(c => c.Id));
            steady = new SteadyWindow(meter, totals.Sales);
            // The naive consumer exits by itself once it has processed every event: only ours must never exit.
            complete = await monitor.WaitUntilAsync(s => s.Stored >= totals.Sales, limit, () => children.Any(c => c.HasExited) && !naive,
                sample => context.Say(Progress(who, sample, totals.Sales, monitor.Progress)), steady.Observe);
            if (children.FirstOrDefault(c => c.HasExited && !(naive && complete && c.ExitCode == 0)) is { } exited)
            {
                throw new BenchmarkFailure($"{exited.Name} exited with code {exited.ExitCode} (see its log)");
            }
            peak = children.Max(c => c.PeakWorkingSetKb());
            cpu = meter.Stop();
            // Let the last offsets commit before stopping, so the lag series ends at zero.
            await Task.Delay(500);
            foreach (var child in children) await child.StopAsync();
        }
        finally
        {
            foreach (var child in children) await child.DisposeAsync();
        }
        await stop.CancelAsync();
        await monitoring;
        await dataSource.DisposeAsync();
        var postgresStats = await PostgresStatistics.ReadAsync(postgres);

        WarnOfFailedReads(who, monitor);
        var progress = monitor.Progress;
        var final = progress.Count == 0 ? 0 : progress[^1].Stored;
        var done = progress.FirstOrDefault(p => p.Stored >= totals.Sales) ?? progress[^1];
        var seconds = (done.UnixMs - start) / 1000.0;
        var sustained = Sustained(progress, final);
        context.Say($"{who}: {(complete ? "drained" : "stopped at")} {final:N0} events in {seconds:0.0} s since start: " +
                    $"{final / seconds:N0} events/s overall, {sustained:N0} events/s sustained (10–90 %), peak working set {peak / 1024.0:N0} MiB; " +
                    $"CPU seconds: consumer {cpu.Consumer:0.0}, PostgreSQL {cpu.Postgres:0.0}, Kafka+Garnet+benchmark {cpu.Benchmark:0.0}, machine {cpu.Machine:0.0} in {cpu.WallSeconds:0.0} s " +
                    $"({(final > 0 ? cpu.Machine * 1e6 / final : 0):N1} µs of machine CPU per sale)" +
                    (steady.Result is { } window
                        ? $"; steady (10–90 %): consumer {window.ConsumerMicrosecondsPerSale:N1}, PostgreSQL {window.PostgresMicrosecondsPerSale:N1}, machine {window.MachineMicrosecondsPerSale:N1} µs per sale"
                        : ""));

        var exactness = naive
            ? complete ? await Exactness.CheckNaiveAsync(postgres, redis, totals) : await Exactness.CheckNaivePartialAsync(postgres, redis, totals)
            : await Exactness.CheckOursAsync(postgres, redis, totals);
        context.Report(who, exactness);
        if (!naive && !complete) throw new BenchmarkFailure($"our consumer did not drain {totals.Sales} events within {limit.TotalSeconds:0} s");
        return new DrainResult(who, totals.Sales, final, complete, seconds, final / seconds, sustained, peak, exactness, start, progress, cpu, postgresStats, steady.Result);
    }

    /// <summary>One progress line: stored so far, the rate over the last five seconds, the lag and the time left at that rate.</summary>
    private static string Progress(string who, ProgressSample now, long total, IReadOnlyList<ProgressSample> samples)
    {
        var earlier = samples.LastOrDefault(s => s.UnixMs <= now.UnixMs - 5_000) ?? (samples.Count > 0 ? samples[0] : now);
        var seconds = (now.UnixMs - earlier.UnixMs) / 1000.0;
        var rate = seconds > 0 ? (now.Stored - earlier.Stored) / seconds : 0;
        var left = rate > 0 ? $"{(total - now.Stored) / rate:N0} s left" : "time left unknown";
        return $"{who}: stored {now.Stored:N0} of {total:N0} ({100.0 * now.Stored / Math.Max(1, total):0} %), {rate:N0} sales/s, lag {now.Lag:N0}, {left}";
    }

    /// <summary>
    /// Schema experiments on a variant's own database, to measure what a product change would buy before making it.
    /// <c>with-sales-fks</c>: the sales table with the three foreign keys migration 0004 removed, to re-measure what that bought.
    /// <c>aggregates-fillfactor-50</c>: half-empty pages for the aggregate tables, so that upserts can be HOT updates (tried:
    /// +15 % on 300,000 sales, -9 % on 1,000,000; not adopted).
    /// <c>capacity-trigger</c>: the per-row capacity trigger of migration 0005 instead of the check constraint of 0010, for
    /// a consumer of an earlier <c>COMMIT</c> (which does not write a showtime row's capacity): what 0010 bought.
    /// <c>sales-date-index</c>: the index on <c>sales (sale_date)</c> that migration 0011 dropped, to re-measure what that bought.
    /// <c>theater-sold-at-index</c>: the index on <c>sales (theater_id, sold_at)</c> that migration 0012 dropped (the
    /// quiet-theater rule read it; it reads theater_daily_sales.last_sold_at now), to re-measure what that bought.
    /// </summary>
    private static readonly string[] AggregateTables =
        ["theater_daily_sales", "movie_daily_sales", "theater_movie_daily_sales", "channel_daily_sales", "chain_minute_sales", "showtime_sales"];

    private static async Task ApplyPresetAsync(string postgres, string preset)
    {
        var sql = preset switch
        {
            "with-sales-fks" => """
                alter table sales add foreign key (theater_id) references theaters, add foreign key (movie_id) references movies,
                    add foreign key (showtime_id) references showtimes
                """,
            "aggregates-fillfactor-50" => string.Join(';', AggregateTables.Select(t => $"alter table {t} set (fillfactor = 50)")),
            "capacity-trigger" => """
                alter table showtime_sales drop constraint showtime_sales_within_capacity, drop constraint showtime_sales_showtime_capacity_fkey,
                    alter column capacity drop not null, add foreign key (showtime_id) references showtimes;
                create function showtime_sales_within_capacity() returns trigger language plpgsql as $$
                declare seats integer;
                begin
                    select capacity into seats from showtimes where showtime_id = new.showtime_id;
                    if new.tickets_sold > seats then
                        raise exception 'showtime % would be sold beyond its capacity', new.showtime_id using errcode = 'check_violation';
                    end if;
                    return new;
                end
                $$;
                create trigger showtime_sales_within_capacity before insert or update of tickets_sold on showtime_sales
                    for each row execute function showtime_sales_within_capacity()
                """,
            "sales-date-index" => "create index sales_sale_date on sales (sale_date)",
            "theater-sold-at-index" => "create index sales_theater_sold_at on sales (theater_id, sold_at)",
            _ => throw new BenchmarkFailure(
                $"unknown PRESET '{preset}' (known: with-sales-fks, aggregates-fillfactor-50, capacity-trigger, sales-date-index, theater-sold-at-index)"),
        };
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Says in the log when the monitor's reads failed: its samples, and the figures made from them, are coarser then.</summary>
    private void WarnOfFailedReads(string who, RunMonitor monitor)
    {
        foreach (var (what, failed) in new[] { ("progress", monitor.FailedProgressReads), ("visibility", monitor.FailedPolls) })
        {
            if (failed.Count > 0) context.Say($"{who}: WARNING {failed.Count:N0} {what} reads failed (first: {failed.First}); its figures are measured at a coarser interval");
        }
    }

    /// <summary>Events per second between the samples where 10 % and 90 % of <paramref name="final"/> were stored.</summary>
    private static double Sustained(IReadOnlyList<ProgressSample> progress, long final)
    {
        var from = progress.FirstOrDefault(p => p.Stored >= final * 0.1);
        var to = progress.FirstOrDefault(p => p.Stored >= final * 0.9);
        if (from is null || to is null || to.UnixMs <= from.UnixMs || to.Stored - from.Stored < final * 0.5)
        {
            // Too few samples in between (a short run): the rate from the first stored event to the last.
            var first = progress.FirstOrDefault(p => p.Stored > 0);
            var last = progress.FirstOrDefault(p => p.Stored >= final);
            if (first is null || last is null || last.UnixMs <= first.UnixMs) return 0;
            return (last.Stored - 0) / ((last.UnixMs - first.UnixMs + 250) / 1000.0);
        }
        return (to.Stored - from.Stored) / ((to.UnixMs - from.UnixMs) / 1000.0);
    }

    private async Task<RateResult> RunRateAsync(long rate)
    {
        var id = context.RunId;
        var name = $"rate-{rate}";
        var topic = Infra.CreateTopic($"bench-{id}-{name}");
        var postgres = await Infra.CreateDatabaseAsync($"bench_{id}_rate_{rate}", context.Today);
        var redis = Infra.NewRedisConnectionString();
        var count = Math.Min((long)(rate * options.RateSeconds), options.MaxRateEvents);
        var group = $"ours-{id}-{name}";
        context.Say($"{name}: {count:N0} sales at {rate:N0}/s");

        var apiPort = ReelMetrics.LocalInfrastructure.FreePort.Next();
        await using var consumer = context.Products.StartConsumer($"consumer-{name}", Infra.Kafka.BootstrapServers, topic, group, postgres, redis, options.ConsumerEnvironment);
        await using var api = context.Products.StartApi($"api-dapper-{name}", Products.ApiDapper, apiPort, postgres, redis, useCache: null);
        await consumer.WaitForLineAsync("Consuming", TimeSpan.FromSeconds(60));
        var apiBase = $"http://127.0.0.1:{apiPort}";
        await ApiBenchmark.WaitForApiAsync(context.Http, apiBase, TimeSpan.FromSeconds(60));
        var dataSource = NpgsqlDataSource.Create(postgres);
        var probe = await ChooseVisibilityProbeAsync(apiBase, dataSource);
        context.Say($"{name}: visibility read through {probe.Description}");

        using var monitor = new RunMonitor(Infra.Kafka.BootstrapServers, topic, 16, group,
            VisibilityProbe.Sql(dataSource, "select coalesce(sum(sales_count), 0)::bigint from theater_daily_sales"), probe);
        using var stop = new CancellationTokenSource();
        var monitoring = monitor.RunAsync(stop.Token);
        await Task.Delay(1000);   // the consumer has joined its group and got its partitions (the topic is empty)

        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var totalsFile = Path.Combine(context.OutputDirectory, $"{name}-totals.json");
        await using (var generator = context.Products.StartGenerator($"generator-{name}", Infra.Kafka.BootstrapServers, topic, postgres, count, options.Seed, rate, totalsFile))
        {
            var code = await generator.WaitForExitAsync(TimeSpan.FromSeconds(options.RateSeconds * 4 + 120));
            if (code != 0) throw new BenchmarkFailure($"the generator exited with {code} (see generator-{name}.log)");
        }
        var totals = GeneratorTotals.Read(totalsFile);
        if (!await monitor.WaitUntilAsync(s => s.Stored >= totals.Sales, TimeSpan.FromSeconds(120), () => consumer.HasExited))
        {
            throw new BenchmarkFailure($"{name}: the consumer did not store all {totals.Sales} sales within 120 s of the generator finishing");
        }
        await Task.Delay(300);   // a few more polls of the API after the last commit
        await stop.CancelAsync();
        await monitoring;
        var consumerPeak = consumer.PeakWorkingSetKb();
        var apiPeak = api.PeakWorkingSetKb();
        await consumer.StopAsync();
        await api.StopAsync();

        var exactness = await Exactness.CheckOursAsync(postgres, redis, totals);
        context.Report(name, exactness);
        var freshness = await Freshness.AnalyseAsync(postgres, monitor.Visible, probe.Description, start, monitor.FailedPolls);
        WarnOfFailedReads(name, monitor);
        await dataSource.DisposeAsync();

        var progress = monitor.Progress;
        var lags = progress.Where(p => p.UnixMs >= start).Select(p => (double)p.Lag).ToList();
        var busy = freshness.Seconds.Where(s => s.Produced > 0).ToList();
        var storedRate = busy.Count == 0 ? 0 : busy.Sum(s => s.Committed) / (double)busy.Count;
        context.Say($"{name}: generator {totals.AverageRate:N0}/s; freshness to commit p50 {freshness.Commit.P50:0} ms, p95 {freshness.Commit.P95:0}, p99 {freshness.Commit.P99:0}; " +
                    (freshness.Visible is { } v ? $"visible p50 {v.P50:0} ms, p95 {v.P95:0}, p99 {v.P99:0}" : "visibility not measured") +
                    (freshness.VisibleWarm is { } w ? $" (from {Freshness.WarmAfter.TotalSeconds:0} s on: p50 {w.P50:0} ms, p99 {w.P99:0})" : "") +
                    $"; max lag {(lags.Count == 0 ? 0 : lags.Max()):N0}");
        return new RateResult(rate, totals.Sales, totals.AverageRate, storedRate, lags.Count == 0 ? 0 : (long)lags.Max(),
            lags.Count == 0 ? 0 : Percentiles.Of(lags).P99, freshness, consumerPeak, apiPeak, exactness, start, progress);
    }

    /// <summary>The API's count of sales if it has one (<c>/summary</c> over the showtime window), else the aggregate table the API reads.</summary>
    private async Task<VisibilityProbe> ChooseVisibilityProbeAsync(string apiBase, NpgsqlDataSource dataSource)
    {
        var from = context.Today.AddDays(-10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = context.Today.AddDays(10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var api = VisibilityProbe.Api(context.Http, $"{apiBase}/summary?from={from}&to={to}", "sales_count");
        try
        {
            await api.ReadAsync(CancellationToken.None);
            return api;
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            context.Say($"the API has no usable /summary ({e.Message}): reading visibility from theater_daily_sales instead");
            return VisibilityProbe.Sql(dataSource, "select coalesce(sum(sales_count), 0)::bigint from theater_daily_sales");
        }
    }
}
