using Npgsql;

namespace ReelMetrics.Benchmarks;

/// <summary>p50/p95/p99/max of a distribution, in milliseconds (or any unit).</summary>
internal sealed record Percentiles(long Count, double P50, double P95, double P99, double Max, double Mean)
{
    public static Percentiles Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new Percentiles(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = values.Order().ToArray();
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, At(0.50), At(0.95), At(0.99), sorted[^1], sorted.Average());
    }
}

/// <summary>One second of a run: sales made, sales committed, and how fresh the sales made in it were.</summary>
internal sealed record SecondStats(double T, long Produced, long Committed, double? CommitP50, double? CommitP99, double? VisibleP50, double? VisibleP99);

/// <summary>Freshness of one run, two ways; see docs/benchmarks.md.</summary>
/// <param name="VisibleWarm">
/// Freshness visible in the API of the sales made from <see cref="Freshness.WarmAfter"/> into the run on: a consumer that
/// has run for a while, without the start of its process (first compilations, first statements, joining the group).
/// </param>
/// <param name="PollGaps">Milliseconds between consecutive visibility samples: the resolution the visible figures actually had.</param>
/// <param name="FailedPolls">Visibility polls that got no count, and the first one's error.</param>
internal sealed record FreshnessReport(Percentiles Commit, Percentiles? Visible, long NeverSeen, string? VisibleThrough, IReadOnlyList<SecondStats> Seconds,
    Percentiles? PollGaps = null, int FailedPolls = 0, string? FirstPollError = null, Percentiles? VisibleWarm = null);

/// <summary>
/// Freshness, measured from data rather than from the consumer's own word:
/// <list type="bullet">
/// <item>To PostgreSQL commit, per sale, exactly: the server tracks commit timestamps, so
/// <c>pg_xact_commit_timestamp(xmin) − sold_at</c> of every row (sold_at is stamped by the generator
/// when it makes the sale, before Kafka; both clocks are this machine's).</item>
/// <item>To visible through the API: the API's sales count is polled every 20 ms, each answer stamped
/// when it arrived. The k-th sale (in sold_at order) counts as visible at the first poll that showed
/// at least k sales: the horizontal distance between the "sold" and "visible" curves. Exact for the
/// mean (Little's law) and, since a batch commits all partitions' oldest sales together, close for the
/// percentiles; it includes up to one polling interval plus the request's own time.</item>
/// </list>
/// </summary>
internal static class Freshness
{
    /// <summary>How long into a fixed-rate run a sale counts as made to a warm consumer (<see cref="FreshnessReport.VisibleWarm"/>).</summary>
    public static readonly TimeSpan WarmAfter = TimeSpan.FromSeconds(10);

    public static async Task<FreshnessReport> AnalyseAsync(
        string postgres, IReadOnlyList<VisibilitySample> visible, string? visibleThrough, long runStartUnixMs, FailedReads? failedPolls = null)
    {
        var sales = new List<(long SoldAt, long CommittedAt)>();
        await using (var dataSource = NpgsqlDataSource.Create(postgres))
        await using (var command = dataSource.CreateCommand("""
            select (extract(epoch from sold_at) * 1000)::bigint, (extract(epoch from pg_xact_commit_timestamp(xmin)) * 1000)::bigint
            from sales order by sold_at
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) sales.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        var commit = sales.Select(s => (double)(s.CommittedAt - s.SoldAt)).ToList();
        var visibleMs = new double?[sales.Count];
        long neverSeen = 0;
        if (visible.Count > 0)
        {
            var samples = visible.OrderBy(v => v.UnixMs).ToList();
            // Visibility can only grow; a cache or a read replica could make it dip: use the running maximum.
            var running = 0L;
            var max = new long[samples.Count];
            for (var i = 0; i < samples.Count; i++) max[i] = running = Math.Max(running, samples[i].Visible);
            var j = 0;
            for (var k = 0; k < sales.Count; k++)
            {
                while (j < samples.Count && max[j] < k + 1) j++;
                if (j == samples.Count)
                {
                    neverSeen = sales.Count - k;
                    break;
                }
                // The first poll of the k-th sale may come before the sale existed (it was seen at a poll that happened later).
                visibleMs[k] = Math.Max(0, samples[j].UnixMs - sales[k].SoldAt);
            }
        }

        var seconds = new List<SecondStats>();
        if (sales.Count > 0)
        {
            var first = Math.Min(runStartUnixMs, sales[0].SoldAt) / 1000;
            var last = Math.Max(sales[^1].SoldAt, sales.Max(s => s.CommittedAt)) / 1000;
            var committedPerSecond = sales.GroupBy(s => s.CommittedAt / 1000).ToDictionary(g => g.Key, g => (long)g.Count());
            var bySecond = sales.Select((s, i) => (s, i)).GroupBy(x => x.s.SoldAt / 1000).ToDictionary(g => g.Key, g => g.ToList());
            for (var second = first; second <= last; second++)
            {
                var made = bySecond.GetValueOrDefault(second) ?? [];
                var c = made.Count == 0 ? null : Percentiles.Of([.. made.Select(x => commit[x.i])]);
                var seen = made.Where(x => visibleMs[x.i] is not null).Select(x => visibleMs[x.i]!.Value).ToList();
                var v = seen.Count == 0 ? null : Percentiles.Of(seen);
                seconds.Add(new SecondStats(second - first, made.Count, committedPerSecond.GetValueOrDefault(second),
                    c?.P50, c?.P99, v?.P50, v?.P99));
            }
        }

        var visibleList = visibleMs.Where(v => v is not null).Select(v => v!.Value).ToList();
        var warmFrom = runStartUnixMs + (long)WarmAfter.TotalMilliseconds;
        var visibleWarm = sales.Select((s, i) => (s, i)).Where(x => x.s.SoldAt >= warmFrom && visibleMs[x.i] is not null).Select(x => visibleMs[x.i]!.Value).ToList();
        var stamps = visible.Where(v => v.UnixMs >= runStartUnixMs).Select(v => v.UnixMs).Order().ToList();
        var gaps = stamps.Zip(stamps.Skip(1), (a, b) => (double)(b - a)).ToList();
        return new FreshnessReport(Percentiles.Of(commit), visible.Count == 0 ? null : Percentiles.Of(visibleList), neverSeen, visibleThrough, seconds,
            gaps.Count == 0 ? null : Percentiles.Of(gaps), failedPolls?.Count ?? 0, failedPolls?.First, visibleWarm.Count == 0 ? null : Percentiles.Of(visibleWarm));
    }
}
