using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ReelMetrics.Contracts;
using ReelMetrics.Generator.Sales;

namespace ReelMetrics.Generator;

/// <summary>
/// Sells tickets: asks the <see cref="SalesModel"/> for sales at the configured pace and hands them
/// to the <see cref="SalesPublisher"/>, until the count or duration is reached, nothing is left to
/// sell, or the host stops. Then flushes the producer, logs the totals and writes the totals file.
/// </summary>
public sealed class GeneratorWorker(
    SalesPublisher publisher,
    GeneratorTotals totals,
    GeneratorTelemetry telemetry,
    IOptions<GeneratorOptions> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<GeneratorWorker> logger,
    ShowtimeSalesReader? showtimeSales = null) : BackgroundService
{
    // Pacing: a token bucket topped up every tick, never a delay per sale.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    // Unpaced (burst without a rate): sales between checks for stop conditions and progress.
    private const int BurstChunk = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var seed = settings.Seed ?? Random.Shared.Next();
        var done = false;
        try
        {
            await publisher.EnsureTopicAsync(stoppingToken);
            var model = await CreateModelAsync(seed, settings.Burst, stoppingToken);
            done = await SellAsync(model, settings, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "The generator failed");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
        finally
        {
            Finish(settings);
        }

        if (done && settings.ExitWhenDone)
        {
            lifetime.StopApplication();
        }
    }

    private async Task<SalesModel> CreateModelAsync(int seed, bool burst, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var (from, to) = SalesCatalog.WindowAround(today);
        IReadOnlyDictionary<long, int>? alreadySold = null;
        if (showtimeSales is null)
        {
            logger.LogWarning(
                "No 'reelmetrics' connection string: starting with every seat unsold, so seats an earlier run sold may be sold again");
        }
        else
        {
            alreadySold = await showtimeSales.ReadAsync(from, to, cancellationToken);
            if (alreadySold.Count == 0)
            {
                logger.LogWarning(
                    "The database has no showtimes between {From} and {To} (have the migrations run today?); selling the seeded catalog's",
                    from.ToString("O", CultureInfo.InvariantCulture), to.ToString("O", CultureInfo.InvariantCulture));
                alreadySold = null;
            }
        }

        var catalog = SalesCatalog.FromSeed(today, alreadySold is null ? null : alreadySold.ContainsKey);
        var seats = SeatInventory.For(catalog);
        if (alreadySold is not null)
        {
            for (var i = 0; i < catalog.Showtimes.Count; i++)
            {
                seats.SetAlreadySold(i, alreadySold[catalog.Showtimes[i].Showtime.ShowtimeId]);
            }
        }

        var settings = options.Value;
        logger.LogInformation(
            "Selling {Showtimes} showtimes from {From} to {To} ({SeatsLeft} seats left, {SoldOut} sold out) to topic {Topic}: " +
            "{Mode} at {Rate}, seed {Seed}, count {Count}, duration {Duration}",
            catalog.Showtimes.Count, from.ToString("O", CultureInfo.InvariantCulture), to.ToString("O", CultureInfo.InvariantCulture), seats.TotalRemaining(), seats.SoldOutShowtimes, publisher.Topic,
            burst ? "burst mode" : "normal mode",
            settings.Rate is { } rate ? $"{rate:0.###} sales/s" + (burst ? "" : " × demand") : burst ? "full speed" : $"{GeneratorOptions.DefaultRate} sales/s × demand",
            seed, settings.Count == 0 ? "unlimited" : settings.Count, settings.Duration?.ToString() ?? "unlimited");
        return new SalesModel(catalog, seats, new Random(seed), burst);
    }

    /// <summary>Sells until done (true) or stopped (false).</summary>
    private async Task<bool> SellAsync(SalesModel model, GeneratorOptions settings, CancellationToken stoppingToken)
    {
        var paced = !(settings.Burst && settings.Rate is null);
        var rate = settings.Rate ?? GeneratorOptions.DefaultRate;
        var pacer = new SalesPacer();
        using var timer = paced ? new PeriodicTimer(Tick, clock) : null;
        var progress = new Progress(clock.GetTimestamp(), 0);
        var tracing = new TraceBudget(settings.TracedSalesPerSecond);
        var started = clock.GetTimestamp();
        var retries = new Queue<UndeliveredSale>();
        long newSales = 0, givenUp = 0;   // only this thread counts these: no race with delivery reports
        totals.MarkStarted();

        while (!stoppingToken.IsCancellationRequested)
        {
            givenUp += await RetryUndeliveredAsync(model, retries, stoppingToken);
            totals.SoldOutShowtimes = model.Seats.SoldOutShowtimes;
            var now = clock.GetUtcNow();
            var multiplier = model.RateMultiplier(now);
            progress = ReportIfDue(progress, settings, paced ? rate * multiplier : null);

            if (settings.Duration is { } duration && clock.GetElapsedTime(started) >= duration)
            {
                logger.LogInformation("Duration {Duration} reached", duration);
                return true;
            }

            var due = paced ? pacer.Take(clock.GetTimestamp(), rate * multiplier, clock) : BurstChunk;
            if (settings.Count > 0)
            {
                // Count acknowledged sales: a sale that failed is published again (the retries above), one given up is
                // replaced. Counted from this thread's own counters: reading the delivery counters instead raced with a
                // failure reported just after the retries were taken (it was then both retried and replaced, and one
                // sale too many was sold).
                var open = settings.Count - newSales + givenUp;
                if (open <= 0)
                {
                    if (totals.SalesCount >= settings.Count && totals.InFlight == 0)
                    {
                        logger.LogInformation("Count {Count} reached", settings.Count);
                        return true;
                    }
                    publisher.Flush(TimeSpan.FromMilliseconds(100));
                    continue;
                }
                due = Math.Min(due, open);
            }

            for (var i = 0; i < due; i++)
            {
                now = clock.GetUtcNow();
                if (model.NextSale(now) is not { } sale)
                {
                    if (totals.InFlight > 0)
                    {
                        // A delivery may still fail and need publishing again (or give seats back): wait for the outcome.
                        publisher.Flush(TimeSpan.FromMilliseconds(100));
                        break;
                    }
                    logger.LogWarning("Nothing left to sell: every showtime of the window is sold out{OrStarted}",
                        settings.Burst ? "" : " or has started");
                    return true;
                }
                while (!Publish(sale, tracing.TryTake(now)))
                {
                    await Task.Delay(1, stoppingToken);   // the producer's queue is full: let deliveries drain it
                }
                newSales++;
            }

            if (timer is not null)
            {
                await timer.WaitForNextTickAsync(stoppingToken);
            }
        }
        return false;
    }

    /// <summary>
    /// Publishes again, first thing, the sales the broker did not acknowledge (same event id, seats still
    /// held), or gives their seats back when a sale is given up. Either way the count is still met.
    /// Returns the number of sales given up (each to be replaced by a new one).
    /// </summary>
    private async Task<int> RetryUndeliveredAsync(SalesModel model, Queue<UndeliveredSale> retries, CancellationToken stoppingToken)
    {
        var givenUp = 0;
        while (publisher.TryTakeUndelivered(out var failed))
        {
            if (failed.ShouldRetry)
            {
                retries.Enqueue(failed);
            }
            else
            {
                logger.LogError("Gave up sale {EventId} after {Attempts} attempts ({Reason}); its seats go back on sale",
                    failed.Sale.EventId, failed.Attempts, failed.Reason);
                model.Cancel(failed.Sale);
                givenUp++;
            }
        }
        while (retries.TryPeek(out var retry))
        {
            if (!publisher.TryPublishAgain(retry))
            {
                await Task.Delay(1, stoppingToken);   // queue full
                continue;
            }
            retries.Dequeue();
        }
        return givenUp;
    }

    private bool Publish(TicketSold sale, bool traced)
    {
        if (!traced)
        {
            return publisher.TryPublish(sale);
        }
        using var activity = telemetry.StartSellTickets(sale);
        return publisher.TryPublish(sale);   // the Kafka integration's publish span is this span's child
    }

    private readonly record struct Progress(long Timestamp, long SalesCount);

    private Progress ReportIfDue(Progress last, GeneratorOptions settings, double? targetRate)
    {
        var elapsed = clock.GetElapsedTime(last.Timestamp);
        if (elapsed < settings.ReportInterval)
        {
            return last;
        }
        var sales = totals.SalesCount;
        totals.SalesPerSecond = (sales - last.SalesCount) / elapsed.TotalSeconds;
        logger.LogInformation(
            "Sold {Sales} sales ({Tickets} tickets, {Revenue} USD) at {Rate:0} sales/s (target {Target}); " +
            "{InFlight} in flight, {Failures} delivery failures, {SoldOut} sold-out showtimes",
            sales, totals.TicketsSold, totals.Revenue, totals.SalesPerSecond,
            targetRate is { } target ? $"{target:0.#}/s" : "full speed",
            totals.InFlight, totals.DeliveryFailures, totals.SoldOutShowtimes);
        return new Progress(clock.GetTimestamp(), sales);
    }

    private void Finish(GeneratorOptions settings)
    {
        var waiting = publisher.Flush(settings.FlushTimeout);
        if (waiting > 0)
        {
            logger.LogWarning("{Waiting} sales were still unacknowledged after waiting {FlushTimeout}; they are not counted",
                waiting, settings.FlushTimeout);
        }

        var final = totals.Snapshot();
        logger.LogInformation(
            "Final totals: {Sales} sales, {Tickets} tickets, {Revenue} USD over {Dates} sale dates in {Elapsed:0.0} s " +
            "({Rate:0} sales/s); {Failures} delivery failures, {SoldOut} sold-out showtimes",
            final.SalesCount, final.TicketsSold, final.Revenue, final.Dates.Count, (final.AsOf - final.StartedAt).TotalSeconds,
            final.AverageSalesPerSecond, final.DeliveryFailures, final.SoldOutShowtimes);

        if (settings.TotalsFile is { Length: > 0 } path)
        {
            try
            {
                File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(final, GeneratorJson.Default.GeneratorTotalsSnapshot));
                logger.LogInformation("Wrote totals to {TotalsFile}", Path.GetFullPath(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError(e, "Could not write totals to {TotalsFile}", path);
                Environment.ExitCode = 1;
            }
        }
    }

    /// <summary>At most N traced sales per second of the clock.</summary>
    private sealed class TraceBudget(int perSecond)
    {
        private long second = -1;
        private int used;

        public bool TryTake(DateTimeOffset now)
        {
            if (perSecond == 0 || !GeneratorTelemetry.ActivitySource.HasListeners()) return false;
            var current = now.ToUnixTimeSeconds();
            if (current != second)
            {
                second = current;
                used = 0;
            }
            return used++ < perSecond;
        }
    }
}
