using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ReelMetrics.Tests.Api.Protection;

/// <summary>
/// Generated requests against both APIs over Kestrel: paths from the real route table (with every kind of value in
/// the parameters) and garbage, all methods, query values (dates valid and not, huge numbers, unicode, broken
/// percent-encoding), headers, bodies and content encodings, signed in and anonymous. No answer may be a 5xx
/// (PostgreSQL and Redis both run, so no 503 is excused), none may take longer than <see cref="Bound"/>, and every
/// error must be problem details with its status. The hosts have the test hosts' generous rate limits and stream
/// caps: the run must reach the handlers, not be turned away with 429s.
/// </summary>
public sealed class ApiFuzzTests(ApiWorld world, ITestOutputHelper output) : IClassFixture<ApiWorld>
{
    /// <summary>Generated requests per backend (half of them signed in).</summary>
    private const int RequestsPerBackend = 6_000;

    /// <summary>The slowest answer allowed (4 requests at a time on 2 shared cores).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The bearer token of the signed-in half. Until the APIs validate tokens it gives none and that half runs
    /// anonymous; with authentication in place, plug in <c>() =&gt; TestTokens.For("viewer")</c> (any role).
    /// </summary>
    private static readonly Func<string?> SignedInToken = () => TestTokens.ForRole(ReelMetrics.Contracts.Roles.Viewer);

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public async Task NoGeneratedRequestGetsA5xxASlowAnswerOrAnErrorThatIsNotProblemDetails(Backend backend)
    {
        await using var host = world.StartHost(backend, new ApiSettings(world.Postgres, world.Redis, Kestrel: true,
            Extra: new Dictionary<string, string> { ["Api:Protection:LiveStreamsPerUser"] = "100000", ["Api:Protection:LiveStreamsPerProcess"] = "100000" }));
        var routes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).Distinct().Order().ToArray();
        output.WriteLine($"routes: {string.Join(" ", routes)}");

        var cancellationToken = TestContext.Current.CancellationToken;
        // Warm-up, not counted: each route once, so that first-use costs (EF's query compilation, connection
        // pools, the catalog cache) are not taken for slowness.
        foreach (var route in routes.Where(r => r != "/live"))
        {
            using var _ = await host.Client.GetAsync(route.Replace("{id}", "1").Replace("{date}", "2025-01-01").Replace("{documentName}", "v1").Replace("{documentName?}", ""), cancellationToken);
        }

        var statuses = new ConcurrentDictionary<int, int>();
        var latencies = new Latencies();
        var violations = new ConcurrentQueue<string>();
        var tokens = 0;
        var refusedByKestrel = 0;
        try
        {
            await FuzzRequest.Requests(routes).SampleAsync(async request =>
            {
                try
                {
                    await SendAsync(request);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    if (violations.Count < 20) violations.Enqueue($"{request}\n    -> {ex.GetType().Name}: {ex.Message}");
                    throw;
                }
            }, iter: RequestsPerBackend, threads: 4, print: r => r.ToString());
        }
        finally
        {
            output.WriteLine($"{backend}: {statuses.Values.Sum()} requests ({tokens} with a bearer token, {refusedByKestrel} refused by Kestrel's parser); statuses " +
                string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) + $"; latency {latencies}");
            foreach (var violation in violations) output.WriteLine(violation);
        }
        Assert.True(statuses.Values.Sum() >= RequestsPerBackend);
        Assert.DoesNotContain(429, statuses.Keys);

        async Task SendAsync(FuzzRequest request)
        {
            var token = request.SignedIn ? SignedInToken() : null;
            if (token is not null) Interlocked.Increment(ref tokens);
            using var message = request.ToMessage(host.Client.BaseAddress!, token);
            var started = Stopwatch.StartNew();
            using var response = await host.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var body = mediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync(cancellationToken);
            var elapsed = started.Elapsed;
            latencies.Add(elapsed);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);

            if (status >= 500) throw new InvalidOperationException($"{status}: {body}");
            if (elapsed > Bound) throw new TimeoutException($"answered {status} in {elapsed.TotalMilliseconds:0} ms");
            if (status is 400 or 414 or 431 && body.Length == 0 && !response.Headers.Contains("Content-Security-Policy"))
            {
                // Refused by Kestrel's HTTP parser before the application saw it (a NUL in the path, a request line
                // or headers over the limits): Kestrel answers with a bare status, no application code runs.
                Interlocked.Increment(ref refusedByKestrel);
                return;
            }
            if (status >= 400 && request.Method != "HEAD")
            {
                if (mediaType != "application/problem+json") throw new InvalidOperationException($"{status} answered as {mediaType}: {body}");
                if ((int?)JsonNode.Parse(body)?["status"] != status) throw new InvalidOperationException($"{status} with problem details {body}");
            }
        }
    }
}

/// <summary>One generated request; its text form is what CsCheck prints for a failing one.</summary>
public sealed record FuzzRequest(string Method, string PathAndQuery, (string Name, string Value)[] Headers, byte[]? Body, bool SignedIn)
{
    private static readonly string[] Methods = ["GET", "GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FUZZ"];
    private static readonly string[] QueryNames = ["from", "to", "date", "limit", "id", "ticket", "page", "from[]", "", "tо"];   // "tо" with a Cyrillic о

    private static readonly Gen<string> Ascii = Gen.String[Gen.Char[' ', '~'], 0, 40];
    private static readonly Gen<string> Unicode = Gen.String[Gen.Char['\u0000', '\uD7FF'], 0, 20];

    /// <summary>A parameter value: the ones the contract reads and the ones it should refuse.</summary>
    private static readonly Gen<string> Value = Gen.Frequency<string>(
        (3, Gen.Date[new DateTime(1, 1, 1), new DateTime(9999, 12, 31)].Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))),
        (2, Gen.Int[-1, 20].Select(i => DateTime.UtcNow.Date.AddDays(-i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("0001-01-01", "9999-12-31", "2025-02-30", "2025-13-01", "2025-1-1", "20250101", "2025-03-14T00:00:00Z", "-2025-01-01", "２０２５-０１-０１")),
        (2, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.Int[1, 12].Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("0", "-1", "2147483647", "2147483648", "99999999999999999999999999", "1e9", "0x10", "1.5", "NaN", "Infinity", " 1", "1 ", "+1", "٣", "¹")),
        (2, Ascii),
        (2, Unicode),
        (1, Gen.OneOf("%", "%zz", "%E0%A4%A", "%00", "%C0%AF", "%2e%2e%2f", "%FF%FE", "%%", "a%20b", "%u0041")),
        (1, Gen.Int[1, 8].Select(n => new string('9', n * 1000))),
        (1, Gen.Const("")));

    private static readonly Gen<string> Garbage = Gen.Frequency<string>(
        (3, Gen.String[Gen.Char.AlphaNumeric, 1, 12]),
        (1, Unicode),
        (1, Gen.OneOf("..", ".", "%2e%2e", "..;", "~", "%00", "%zz", "%", "..%2f..%2f", "", "scalar", "openapi", "v1.json", "live")));

    public static Gen<FuzzRequest> Requests(IReadOnlyList<string> routes)
    {
        var path = Gen.Frequency<string>(
            (6, Gen.Select(Gen.OneOf(routes.ToArray()), Value.Array[4], Gen.Frequency<string[]>((3, Gen.Const(Array.Empty<string>())), (1, Garbage.Array[1, 2])), (route, values, tail) =>
                Fill(route, values) + string.Concat(tail.Select(t => "/" + t)))),
            (1, Garbage.Array[1, 5].Select(segments => "/" + string.Join('/', segments))));
        var query = Gen.Select(Gen.OneOf(QueryNames), Value, Gen.Bool, (name, value, escape) =>
            escape ? $"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}" : $"{name}={value}").Array[0, 5];
        var header = Gen.Frequency<(string Name, string Value)>(
            (2, Gen.Select(Gen.OneOf("Accept", "Accept-Language", "Accept-Encoding", "Content-Type", "Content-Encoding", "If-None-Match",
                "If-Modified-Since", "Range", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Origin", "Referer", "Cookie",
                "Authorization", "User-Agent", "Last-Event-ID", "Cache-Control", "Connection-Fuzz", "X-Http-Method-Override"), Ascii, (n, v) => (n, v))),
            (2, Gen.OneOf(
                ("Accept", "application/json"), ("Accept", "text/event-stream"), ("Accept", "*/*;q=0.1, application/xml"),
                ("Accept-Encoding", "gzip, br, zstd"), ("Accept-Encoding", "identity;q=0, *;q=0"), ("Content-Encoding", "gzip"),
                ("Content-Encoding", "br, deflate, x-bogus"), ("Content-Type", "application/json"), ("Content-Type", "application/json; charset=utf-32"),
                ("Content-Type", "multipart/form-data; boundary="), ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", "Bearer "), ("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."), ("Authorization", "Basic YWRtaW46YWRtaW4="),
                ("Range", "bytes=0-0,1-1,2-2"), ("Last-Event-ID", "-1"), ("X-Http-Method-Override", "DELETE"))),
            (1, Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 20], Ascii, (n, v) => ("X-" + n, v))));
        var body = Gen.Frequency<byte[]?>(
            (6, Gen.Const((byte[]?)null)),
            (2, Gen.OneOf("{}", "[]", "null", "{\"ticket\":1}", "{\"a\":", "{\"from\":\"2025-01-01\",\"to\":\"x\"}", "\"\\ud800\"", new string('[', 5000))
                .Select(s => (byte[]?)Encoding.UTF8.GetBytes(s))),
            (2, Gen.Byte.Array[0, 2000].Select(b => (byte[]?)b)),
            (1, Gen.Int[64 * 1024 - 10, 80 * 1024].Select(n => (byte[]?)new byte[n])));
        return Gen.Select(Gen.OneOf(Methods), path, query, header.Array[0, 6], body, Gen.Bool, (method, p, q, headers, content, signedIn) =>
            new FuzzRequest(method, q.Length == 0 ? p : p + "?" + string.Join('&', q), headers,
                method is "GET" or "HEAD" or "TRACE" && content is not null && content.Length > 100 ? null : content, signedIn));
    }

    /// <summary>A route template with its parameters (<c>{id}</c>, <c>{date}</c>…) replaced by generated values.</summary>
    private static string Fill(string route, string[] values)
    {
        var next = 0;
        return string.Join('/', route.Split('/').Select(segment =>
            segment.StartsWith('{') ? Uri.EscapeDataString(values[next++ % values.Length]) : segment));
    }

    public HttpRequestMessage ToMessage(Uri baseAddress, string? token)
    {
        // Appended to the authority as text: a path that starts "//" stays a path, not another host.
        var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(baseAddress.GetLeftPart(UriPartial.Authority) + PathAndQuery));
        if (Body is not null) message.Content = new ByteArrayContent(Body);
        // As a careful client sends a large body: the server can refuse it (413) before it is sent, instead of
        // closing the connection under a client still writing it.
        if (Body is { Length: > 32 * 1024 }) message.Headers.ExpectContinue = true;
        foreach (var (name, value) in Headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
        if (token is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return message;
    }

    public override string ToString() =>
        $"{Method} {PathAndQuery} {(SignedIn ? "signed in" : "anonymous")}; headers [{string.Join("; ", Headers.Select(h => $"{h.Name}: {h.Value}"))}]; " +
        (Body is null ? "no body" : $"body {Body.Length} bytes");
}
