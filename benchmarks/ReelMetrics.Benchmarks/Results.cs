using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReelMetrics.Benchmarks;

/// <summary>Everything one run measured; written as results.json.</summary>
internal sealed class BenchmarkResults
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public required string Command { get; init; }
    public required string Machine { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string[] Arguments { get; init; }
    public DateTimeOffset FinishedAt { get; set; }
    public IngestResults? Ingest { get; set; }
    public ApiResults? Api { get; set; }
    public string[] Failures { get; set; } = [];
}

internal static class Machine
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"')
            : RuntimeInformation.OSDescription;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
        return $"{os}; {Environment.ProcessorCount} cores ({cpu ?? "?"}); {memory ?? "?"} memory; {RuntimeInformation.FrameworkDescription}; " +
               $"commit {Git("rev-parse", "--short", "HEAD")}; load average at start {load}";
    }

    private static string Git(params string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }
}

/// <summary>The results as Markdown tables, for docs/benchmarks.md.</summary>
internal static class Summary
{
    public static string Markdown(BenchmarkResults results)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"Run `{string.Join(' ', results.Arguments)}`, {results.StartedAt:yyyy-MM-dd HH:mm} UTC, {(results.FinishedAt - results.StartedAt).TotalMinutes:0.0} min.");
        s.AppendLine(CultureInfo.InvariantCulture, $"Machine: {results.Machine}.");
        s.AppendLine();
        if (results.Ingest is { } ingest)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"### Saturation: {ingest.Events:N0} sales on the topic (seed {ingest.Seed}), each consumer drains them");
            s.AppendLine();
            s.AppendLine("| consumer | stored | time to drain | events/s overall | events/s sustained (10–90 %) | peak working set | CPU s: consumer / PostgreSQL / Kafka+Garnet / whole machine | CPU µs per sale: consumer / machine | steady CPU µs per sale (10–90 %): consumer / PostgreSQL / machine | exact |");
            s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var d in new[] { ingest.Ours, ingest.Naive }.OfType<DrainResult>().Concat(ingest.Variants))
            {
                var who = d.Consumer switch { "ours" => "ReelMetrics.Consumer", "naive" => "naive baseline", var v => $"ReelMetrics.Consumer, {v[5..]}" };
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"| {who} | {d.Stored:N0}{(d.Complete ? "" : " (stopped)")} | {d.SecondsToDrain:0.0} s | {d.EventsPerSecond:N0} | {d.SustainedEventsPerSecond:N0} | {d.PeakWorkingSetKb / 1024.0:N0} MiB | {d.Cpu.Consumer:0.0} / {d.Cpu.Postgres:0.0} / {d.Cpu.Benchmark:0.0} / {d.Cpu.Machine:0.0} in {d.Cpu.WallSeconds:0.0} s | {d.ConsumerMicrosecondsPerSale:N1} / {d.MachineMicrosecondsPerSale:N1} | {(d.Steady is { } w ? $"{w.ConsumerMicrosecondsPerSale:N1} / {w.PostgresMicrosecondsPerSale:N1} / {w.MachineMicrosecondsPerSale:N1}" : "–")} | {Exact(d.Exactness)} |");
            }
            var noise = ingest.Noise is { } n
                ? $" Noise: the repeat drain (same consumer, same topic) differed by {n:P0}, so read every ratio here as ± {n:P0}."
                : " (No repeat drain: the noise was not measured; run without --no-repeat.)";
            if (ingest.Ratio is { } ratio) s.AppendLine(CultureInfo.InvariantCulture, $"\nOurs / naive (sustained): **{ratio:N1}×**{(ingest.Noise is { } rn ? $" (± {rn:P0}: {ratio * (1 - rn):N1}–{ratio * (1 + rn):N1}×)" : "")}.{noise}");
            else s.AppendLine(CultureInfo.InvariantCulture, $"\n{noise.Trim()}");
            if (ingest.Ours.Postgres is { } pg)
            {
                s.AppendLine();
                s.AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL during our drain (pg_stat_statements): WAL {pg.WalBytes / 1048576.0:N0} MiB in {pg.WalSyncs:N0} flushes ({pg.WalSyncMs:N0} ms flushing, {pg.WalWriteMs:N0} ms writing).");
                s.AppendLine();
                s.AppendLine("| statement | calls | total ms | mean ms | rows |");
                s.AppendLine("|---|---:|---:|---:|---:|");
                foreach (var st in pg.Statements.Take(8))
                {
                    s.AppendLine(CultureInfo.InvariantCulture, $"| `{st.Query.Replace("|", "\\|", StringComparison.Ordinal)}` | {st.Calls:N0} | {st.TotalMs:N0} | {st.MeanMs:N1} | {st.Rows:N0} |");
                }
            }
            s.AppendLine(CultureInfo.InvariantCulture, $"\nThe generator filled the topic at {ingest.PreloadRate:N0} sales/s ({ingest.PreloadSeconds:0.0} s including start-up).");
            s.AppendLine();
            if (ingest.Rates.Count > 0)
            {
                s.AppendLine("### Fixed rates: generator, consumer and API at once");
                s.AppendLine();
                s.AppendLine(CultureInfo.InvariantCulture, $"| target | achieved | sales | committed/s | freshness to commit p50 / p95 / p99 | freshness visible in the API p50 / p95 / p99 | visible, sales made from {Freshness.WarmAfter.TotalSeconds:0} s on | max lag | consumer peak | API peak | exact |");
                s.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
                foreach (var r in ingest.Rates)
                {
                    var v = r.Freshness.Visible;
                    s.AppendLine(CultureInfo.InvariantCulture,
                        $"| {r.TargetRate:N0}/s | {r.GeneratorRate:N0}/s | {r.Events:N0} | {r.StoredRate:N0} | {Ms(r.Freshness.Commit)} | {(v is null ? "–" : Ms(v))} | {(r.Freshness.VisibleWarm is { } w ? Ms(w) : "–")} | {r.MaxLag:N0} | {r.ConsumerPeakKb / 1024.0:N0} MiB | {r.ApiPeakKb / 1024.0:N0} MiB | {Exact(r.Exactness)} |");
                }
                if (ingest.Rates[0].Freshness.VisibleThrough is { } through) s.AppendLine(CultureInfo.InvariantCulture, $"\nVisibility read through {through}.");
                foreach (var r in ingest.Rates.Where(r => r.Freshness.PollGaps is not null))
                {
                    var gaps = r.Freshness.PollGaps!;
                    var failed = r.Freshness.FailedPolls > 0
                        ? string.Create(CultureInfo.InvariantCulture, $"; {r.Freshness.FailedPolls:N0} reads failed ({r.Freshness.FirstPollError}), so the visible figures are coarser.")
                        : ".";
                    s.AppendLine(CultureInfo.InvariantCulture, $"At {r.TargetRate:N0}/s the API was read every {gaps.P50:0} ms (p99 {gaps.P99:0} ms, longest {gaps.Max:0} ms){failed}");
                }
                s.AppendLine();
            }
        }
        if (results.Api is { } api)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"### API: wrk, {api.Connections} connections, {api.Threads} threads, {api.Seconds:0} s per endpoint (date {api.Date})");
            s.AppendLine();
            s.AppendLine("| endpoint | cache | Dapper req/s | Dapper p50 / p99 | EF Core req/s | EF Core p50 / p99 | Dapper / EF |");
            s.AppendLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var group in api.Runs.GroupBy(r => (r.Endpoint, r.Cache)))
            {
                var dapper = group.FirstOrDefault(r => r.Backend == "dapper");
                var ef = group.FirstOrDefault(r => r.Backend == "ef");
                string Cell(WrkResult? r) => r is null ? "–" : r.Note ?? $"{r.RequestsPerSecond:N0}";
                string Latency(WrkResult? r) => r is null || r.Note is not null ? "–" : $"{r.P50Ms:0.00} / {r.P99Ms:0.00} ms";
                var ratio = dapper is { Note: null, RequestsPerSecond: > 0 } && ef is { Note: null, RequestsPerSecond: > 0 }
                    ? $"{dapper.RequestsPerSecond / ef.RequestsPerSecond:0.00}" : "–";
                s.AppendLine(CultureInfo.InvariantCulture, $"| `{group.Key.Endpoint}` | {group.Key.Cache} | {Cell(dapper)} | {Latency(dapper)} | {Cell(ef)} | {Latency(ef)} | {ratio} |");
            }
            s.AppendLine();
            s.AppendLine("Peak working set (VmHWM): " + string.Join(", ", api.PeakWorkingSetKb.Select(p => $"{p.Key} {p.Value / 1024.0:N0} MiB")) + ".");
            s.AppendLine();
        }
        if (results.Failures.Length > 0)
        {
            s.AppendLine("**FAILED:** " + string.Join("; ", results.Failures));
        }
        return s.ToString();
    }

    private static string Exact(ExactnessReport report) =>
        report.Exact ? report.Checks.Any(c => c.Contains("partial run", StringComparison.Ordinal)) ? "consistent (stopped early)" : "yes" : "**NO**";

    private static string Ms(Percentiles p) => $"{p.P50:N0} / {p.P95:N0} / {p.P99:N0} ms";
}
