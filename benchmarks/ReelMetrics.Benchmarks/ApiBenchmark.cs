using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace ReelMetrics.Benchmarks;

/// <summary>One wrk run against one endpoint of one backend.</summary>
internal sealed record WrkResult(
    string Backend, string Cache, string Endpoint, string Url, int Status, double RequestsPerSecond, double P50Ms, double P90Ms, double P99Ms,
    long Requests, long Non2xx, long SocketErrors, string? Note);

internal sealed record ApiResults(int Connections, int Threads, double Seconds, string Date, IReadOnlyList<WrkResult> Runs, IReadOnlyDictionary<string, long> PeakWorkingSetKb);

internal sealed class ApiOptions
{
    public int Connections { get; init; } = 64;
    public int Threads { get; init; } = 2;
    public double Seconds { get; init; } = 10;
    public double WarmupSeconds { get; init; } = 3;
}

/// <summary>
/// Load on the two REST backends with wrk (64 connections, same machine), endpoint by endpoint, with
/// the API's cache on (hot: measured after a warm-up run) and off (cold: every request reads PostgreSQL),
/// against a database the ingest benchmark filled.
/// </summary>
internal sealed partial class ApiBenchmark(BenchContext context, ApiOptions options)
{
    public static async Task WaitForApiAsync(HttpClient http, string baseUrl, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync($"{baseUrl}/theaters");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (clock.Elapsed > timeout) throw new BenchmarkFailure($"the API at {baseUrl} did not answer /theaters within {timeout.TotalSeconds:0} s");
            await Task.Delay(200);
        }
    }

    public async Task<ApiResults> RunAsync(string postgres, string redis)
    {
        await EnsureWrkAsync();
        var date = await BusiestDateAsync(postgres);
        var day = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        (string Name, string Path)[] endpoints =
        [
            ("/theaters", "/theaters"),
            ("/theaters/{id}/movies", "/theaters/1/movies"),
            ("/top-theater/{date}", $"/top-theater/{day}"),
            ("/leaderboards/theaters", $"/leaderboards/theaters?date={day}&limit=10"),
            ("/leaderboards/movies", $"/leaderboards/movies?date={day}&limit=10"),
        ];

        var runs = new List<WrkResult>();
        var peaks = new Dictionary<string, long>();
        foreach (var (backend, project) in new[] { ("dapper", Products.ApiDapper), ("ef", Products.ApiEf) })
        {
            foreach (var cache in new[] { "hot", "cold" })
            {
                var port = ReelMetrics.LocalInfrastructure.FreePort.Next();
                var name = $"api-{backend}-{cache}";
                await using var api = context.Products.StartApi(name, project, port, postgres, redis, useCache: cache == "hot");
                var baseUrl = $"http://127.0.0.1:{port}";
                await WaitForApiAsync(context.Http, baseUrl, TimeSpan.FromSeconds(60));
                foreach (var (endpoint, path) in endpoints)
                {
                    var url = baseUrl + path;
                    using var check = await context.Http.GetAsync(url);
                    var status = (int)check.StatusCode;
                    if (!check.IsSuccessStatusCode)
                    {
                        context.Say($"{name} {endpoint}: HTTP {status}, not measured");
                        runs.Add(new WrkResult(backend, cache, endpoint, url, status, 0, 0, 0, 0, 0, 0, 0, $"HTTP {status}"));
                        continue;
                    }
                    await WrkAsync(url, options.WarmupSeconds);   // JIT, connection pools, and (hot) the cache
                    var result = await WrkAsync(url, options.Seconds) with { Backend = backend, Cache = cache, Endpoint = endpoint, Status = status };
                    context.Say($"{name} {endpoint}: {result.RequestsPerSecond:N0} req/s, p50 {result.P50Ms:0.00} ms, p99 {result.P99Ms:0.00} ms" +
                                (result.Non2xx + result.SocketErrors > 0 ? $", {result.Non2xx} non-2xx, {result.SocketErrors} socket errors" : ""));
                    runs.Add(result);
                }
                peaks[name] = api.PeakWorkingSetKb();
            }
        }
        return new ApiResults(options.Connections, options.Threads, options.Seconds, day, runs, peaks);
    }

    private static async Task<DateOnly> BusiestDateAsync(string postgres)
    {
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        await using var command = dataSource.CreateCommand("select sale_date from theater_daily_sales group by 1 order by sum(revenue) desc limit 1");
        return await command.ExecuteScalarAsync() is DateOnly date ? date : throw new BenchmarkFailure("the database has no sales for the API benchmark");
    }

    private async Task<WrkResult> WrkAsync(string url, double seconds)
    {
        var info = new ProcessStartInfo("wrk")
        {
            ArgumentList =
            {
                "-t", options.Threads.ToString(CultureInfo.InvariantCulture), "-c", options.Connections.ToString(CultureInfo.InvariantCulture),
                "-d", $"{seconds.ToString(CultureInfo.InvariantCulture)}s", "--latency", "--timeout", "5s", url,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30));
        await process.WaitForExitAsync(cts.Token);
        var text = await output;
        if (process.ExitCode != 0) throw new BenchmarkFailure($"wrk failed: {text}\n{await error}");
        File.AppendAllText(Path.Combine(context.OutputDirectory, "wrk.log"), $"# {url} ({seconds} s)\n{text}\n");
        return Parse(text) with { Url = url };
    }

    internal static WrkResult Parse(string text)
    {
        double Latency(string percent)
        {
            var match = Regex.Match(text, $@"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            if (!match.Success) return double.NaN;
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch { "us" => value / 1000, "ms" => value, _ => value * 1000 };
        }
        var rps = RequestsPerSecond().Match(text) is { Success: true } r ? double.Parse(r.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var requests = Requests().Match(text) is { Success: true } q ? long.Parse(q.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var non2xx = Non2xx().Match(text) is { Success: true } n ? long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var socket = SocketErrors().Match(text) is { Success: true } s
            ? s.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture))
            : 0;
        return new WrkResult("", "", "", "", 0, rps, Latency("50"), Latency("90"), Latency("99"), requests, non2xx, socket, null);
    }

    private static async Task EnsureWrkAsync()
    {
        if (OnPath("wrk")) return;
        Console.WriteLine("wrk is not installed: apt-get install -y wrk");
        if (await RunAsync("apt-get", "install", "-y", "wrk") != 0)
        {
            await RunAsync("apt-get", "update");
            if (await RunAsync("apt-get", "install", "-y", "wrk") != 0) throw new BenchmarkFailure("could not install wrk (apt-get install -y wrk)");
        }
    }

    internal static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, program)));

    internal static async Task<int> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(info)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
