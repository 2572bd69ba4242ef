using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using ReelMetrics.Api.Protection;

namespace ReelMetrics.Tests.Api.Protection;

/// <summary>
/// The request limits of the shared API layer (the same code serves both backends; Dapper hosts it here), over a
/// real Kestrel socket: rate limits by client, request size, security headers, allowed hosts, request timeouts.
/// </summary>
public sealed class RequestLimitTests(ApiWorld world, ITestOutputHelper output) : IClassFixture<ApiWorld>
{
    /// <summary>Production's rate limits (the test hosts' generous ones taken back).</summary>
    private static readonly Dictionary<string, string> ProductionLimits = new()
    {
        ["Api:Protection:PerUser:PerSecond"] = "20", ["Api:Protection:PerUser:Burst"] = "100",
        ["Api:Protection:PerAnonymousAddress:PerSecond"] = "20", ["Api:Protection:PerAnonymousAddress:Burst"] = "100",
        ["Api:Protection:PerAddress:PerSecond"] = "100", ["Api:Protection:PerAddress:Burst"] = "500",
        ["Api:Protection:HealthProbes:PerSecond"] = "10", ["Api:Protection:HealthProbes:Burst"] = "50",
    };

    /// <summary>What the well-behaved client's slowest answers may take while another floods (2 shared cores).</summary>
    private static readonly TimeSpan ServedBound = TimeSpan.FromSeconds(2);

    private ApiHost StartHost(Dictionary<string, string>? extra = null) =>
        world.StartHost(Backend.Dapper, new ApiSettings(world.Postgres, world.Redis, Extra: extra ?? ProductionLimits, Kestrel: true));

    [Fact]
    public async Task AFloodFromOneClientIsRefusedWhileAClientWithinItsLimitsIsServed()
    {
        await using var host = StartHost();
        using var flooder = LoopbackClient.From(2, host.Client.BaseAddress!, user: "flooder");
        using var polite = LoopbackClient.From(3, host.Client.BaseAddress!, user: "polite");
        var cancellationToken = TestContext.Current.CancellationToken;
        // The flood lasts until it has been refused 50 times (how long that takes depends on how fast this machine
        // serves, so it is not a fixed time), at most a minute; the well-behaved client asks meanwhile, at least 4 s.
        var floodAtMost = TimeSpan.FromMinutes(1);
        var politeAtLeast = TimeSpan.FromSeconds(4);
        // Warm-up (first requests compile and connect), outside the measurement: one token of each bucket.
        (await flooder.GetAsync("/theaters", cancellationToken)).EnsureSuccessStatusCode();
        (await polite.GetAsync("/theaters", cancellationToken)).EnsureSuccessStatusCode();

        int sent = 0, refused = 0, served = 0;
        string? refusal = null, retryAfter = null;
        var until = Stopwatch.StartNew();
        var flooding = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref refused) < 50 && until.Elapsed < floodAtMost)
            {
                using var response = await flooder.GetAsync("/theaters", cancellationToken);
                Interlocked.Increment(ref sent);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref refused);
                    retryAfter ??= response.Headers.RetryAfter?.ToString();
                    refusal ??= $"{response.Content.Headers.ContentType?.MediaType} {await response.Content.ReadAsStringAsync(cancellationToken)}";
                }
                else if (response.IsSuccessStatusCode) Interlocked.Increment(ref served);
            }
        }, cancellationToken)).ToArray();

        // The well-behaved client: 10 requests a second, half its share (a signed-in user's share is the same 20/s).
        var latencies = new Latencies();
        var statuses = new List<HttpStatusCode>();
        while (flooding.Any(f => !f.IsCompleted) || until.Elapsed < politeAtLeast)
        {
            var started = Stopwatch.StartNew();
            using var response = await polite.GetAsync("/theaters", cancellationToken);
            latencies.Add(started.Elapsed);
            statuses.Add(response.StatusCode);
            await Task.Delay(100, cancellationToken);
        }
        await Task.WhenAll(flooding);
        var flood = until.Elapsed;

        output.WriteLine($"flood: {sent} requests in {flood.TotalSeconds:0.0} s from one address, {refused} refused 429, {served} served");
        output.WriteLine($"well-behaved client: {statuses.Count} requests, {statuses.Count(s => s == HttpStatusCode.TooManyRequests)} refused; latency {latencies}");
        output.WriteLine($"a refusal: Retry-After {retryAfter}; {refusal}");

        Assert.True(refused > 0, "the flood was never refused");
        Assert.InRange(served, 99, 100 + 20 * (int)Math.Ceiling(flood.TotalSeconds) + 20);   // the burst (less the warm-up's token), then 20 a second
        Assert.NotNull(retryAfter);
        Assert.StartsWith("application/problem+json", refusal);
        Assert.Equal(429, (int)JsonNode.Parse(refusal!["application/problem+json ".Length..])!["status"]!);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.True(latencies.Percentile(99) < ServedBound.TotalMilliseconds, $"p99 {latencies.Percentile(99):0} ms");
    }

    [Fact]
    public async Task AnOversizedBodyIsRefusedWithProblemDetails()
    {
        await using var host = StartHost();
        var cancellationToken = TestContext.Current.CancellationToken;
        var limit = new ProtectionOptions().MaxRequestBodySize;

        using var request = new HttpRequestMessage(HttpMethod.Post, "/theaters") { Content = new ByteArrayContent(new byte[limit + 1]) };
        request.Headers.ExpectContinue = true;   // the answer comes before the body is sent
        using var response = await host.Client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        output.WriteLine($"{(int)response.StatusCode} {response.Content.Headers.ContentType} {body}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(413, (int)JsonNode.Parse(body)!["status"]!);
    }

    [Fact]
    public async Task AnOversizedChunkedBodyIsNeverAServerError()
    {
        // Without a declared length the limit applies as the body is read (Kestrel stops at it); no route of the
        // contract reads a body, so the answer is the route's own refusal, never a 5xx.
        await using var host = StartHost();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/theaters") { Content = new StreamContent(new MemoryStream(new byte[256 * 1024])) };
        request.Headers.TransferEncodingChunked = true;
        using var response = await host.Client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        output.WriteLine($"{(int)response.StatusCode} {response.Content.Headers.ContentType} {body}");

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/theaters")]
    [InlineData("/no-such-route")]
    [InlineData("/theaters/abc")]
    [InlineData("/health")]
    [InlineData("/openapi/v1.json")]
    public async Task EveryAnswerCarriesTheSecurityHeaders(string path)
    {
        await using var host = StartHost();
        using var response = await host.Client.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal("default-src 'none'; frame-ancestors 'none'", string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        AssertCommonHeaders(response);
    }

    [Fact]
    public async Task TheApiReferencePageGetsAPolicyThatRunsOnlyItsOwnScripts()
    {
        await using var host = StartHost();
        var cancellationToken = TestContext.Current.CancellationToken;
        // /scalar/ itself: /scalar redirects there, and HttpClient drops the Authorization header on a redirect.
        using var response = await host.Client.GetAsync("/scalar/", cancellationToken);
        var page = await response.Content.ReadAsStringAsync(cancellationToken);
        var policy = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        output.WriteLine(policy);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var nonce = System.Text.RegularExpressions.Regex.Match(policy, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains($"nonce=\"{nonce}\"", page);
        Assert.DoesNotContain("unsafe-inline", policy.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)));
        Assert.Contains("frame-ancestors 'none'", policy);
        AssertCommonHeaders(response);
    }

    [Fact]
    public async Task AnUnknownHostIsRefused()
    {
        await using var host = StartHost();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/theaters");
        request.Headers.Host = "evil.example";
        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ARequestOverItsTimeIsAnswered503WithRetryAfter()
    {
        // A timeout no database read can meet, with the cache off so that every answer is a PostgreSQL read.
        await using var host = world.StartHost(Backend.Dapper, new ApiSettings(world.Postgres, world.Redis, UseCache: false,
            Extra: new Dictionary<string, string> { ["Api:Protection:RequestTimeout"] = "00:00:00.001" }));
        var cancellationToken = TestContext.Current.CancellationToken;
        using var response = await host.Client.GetAsync($"/summary?from={world.Sales.Today.AddDays(-300):yyyy-MM-dd}", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        output.WriteLine($"{(int)response.StatusCode} {body}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Request timed out", (string?)JsonNode.Parse(body)!["title"]);
    }

    private static void AssertCommonHeaders(HttpResponseMessage response)
    {
        Assert.Equal("DENY", string.Join(",", response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", string.Join(",", response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("same-origin", string.Join(",", response.Headers.GetValues("Cross-Origin-Resource-Policy")));
        Assert.False(response.Headers.Contains("Server"), "a Server header names the server software");
    }
}
