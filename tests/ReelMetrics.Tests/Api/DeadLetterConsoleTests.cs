using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Tests.Ingestion;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// The dead-letter console through both APIs over a real database: an operator finds a sale refused for a missing
/// theater, fixes the catalog, replays it (the consumer's replayer does the work) and it counts once; discarded letters
/// stay with their note and who discarded them; previews are escaped text; viewers are refused; bad input is a 4xx
/// problem; both backends answer the same JSON.
/// </summary>
public sealed class DeadLetterConsoleTests(ApiWorld world) : IClassFixture<ApiWorld>, IAsyncLifetime
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly byte[][] HostilePayloads =
    [
        "<img src=x onerror=alert(1)>"u8.ToArray(),
        [0x7b, 0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x7d],   // {, invalid UTF-8, NUL, an ANSI escape, }
        Encoding.UTF8.GetBytes("{\"theater_name\": \"\u202Eevil\u202C\", \"note\": \"back\\\\slash\"}"),
        Encoding.UTF8.GetBytes(new string('x', 5_000)),
    ];

    private HttpClient Operator(Backend backend) => world.Client(backend, role: Roles.Operator);

    public async ValueTask InitializeAsync()
    {
        if (await world.Harness.Database.ScalarAsync<long>("select count(*) from dead_letters") > 0) return;
        var letters = HostilePayloads.Select(p => world.Harness.Message(p, key: "k")).ToArray();
        await world.Harness.ProcessAsync(letters);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task AnOperatorReplaysASaleForAMissingTheaterOnceTheTheaterIsAddedAndItCountsOnce()
    {
        var sale = MissingTheater.Sale(tickets: 4);
        Assert.Single((await world.Harness.ProcessAsync(world.Harness.Message(sale))).DeadLetters);
        var page = (await Operator(Backend.Dapper).FetchAsync($"/dead-letters?reason=unknown_theater&theater_id={MissingTheater.TheaterId}")).As<DeadLetterPage>();
        var letter = Assert.Single(page.Items);
        Assert.Equal(("dead", $"no theater with id {MissingTheater.TheaterId}"), (letter.State, letter.Detail));

        await MissingTheater.AddToCatalogAsync(world.Harness.Database);
        var asked = await PostAsync(Operator(Backend.Ef), "/dead-letters/replay", new { ids = new[] { letter.Id, 987_654_321L } });
        Assert.Equal(HttpStatusCode.OK, asked.Status);
        var answer = asked.As<DeadLetterActionAnswer>();
        Assert.Equal(1, answer.Changed);
        Assert.Equal([new(letter.Id, "replay_requested", "replay_requested"), new(987_654_321, "not_found", null)], answer.Results);

        Assert.True(await MissingTheater.Replayer(world.Harness).ReplayRequestedAsync(Cancel) >= 1);
        var replayed = (await Operator(Backend.Dapper).FetchAsync($"/dead-letters/{letter.Id}")).As<DeadLetterDetail>();
        Assert.Equal(("replayed", sale.EventId, 1, "operator"), (replayed.Letter.State, replayed.Letter.EventId, replayed.Letter.ReplayAttempts, replayed.Letter.RequestedBy));
        Assert.Equal(Microseconds(world.Clock.GetUtcNow()), replayed.Letter.RequestedAt);

        // Replaying again changes nothing: the letter is not dead, and the consumer has nothing to do.
        var again = (await PostAsync(Operator(Backend.Dapper), "/dead-letters/replay", new { ids = new[] { letter.Id } })).As<DeadLetterActionAnswer>();
        Assert.Equal(0, again.Changed);
        Assert.Equal([new(letter.Id, "unchanged", "replayed")], again.Results);
        await MissingTheater.Replayer(world.Harness).ReplayRequestedAsync(Cancel);
        Assert.Equal(("replayed", 1), ((await Operator(Backend.Ef).FetchAsync($"/dead-letters/{letter.Id}")).As<DeadLetterDetail>().Letter.State,
            (await Operator(Backend.Ef).FetchAsync($"/dead-letters/{letter.Id}")).As<DeadLetterDetail>().Letter.ReplayAttempts));
        Assert.Equal(1L, await world.Harness.Database.ScalarAsync<long>("select count(*) from sales where theater_id = $1", MissingTheater.TheaterId));
        Assert.Equal(4L, await world.Harness.Database.ScalarAsync<long>("select tickets_sold from theater_daily_sales where theater_id = $1", MissingTheater.TheaterId));
        await world.Harness.AssertCacheMatchesDatabaseAsync();
    }

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public async Task DiscardedLettersAreKeptWithTheNoteWhoAndWhenAndCannotBeReplayedOrDiscardedAgain(Backend backend)
    {
        var message = world.Harness.Message(Encoding.UTF8.GetBytes($"not json {backend}"));
        Assert.Single((await world.Harness.ProcessAsync(message)).DeadLetters);
        var id = await world.Harness.Database.ScalarAsync<long>("select dead_letter_id from dead_letters where message_id = $1", message.Identity);

        var discarded = (await PostAsync(Operator(backend), "/dead-letters/discard", new { ids = new[] { id, id }, note = "  test message from the load generator \n" }))
            .As<DeadLetterActionAnswer>();
        Assert.Equal(1, discarded.Changed);
        Assert.Equal([new(id, "discarded", "discarded")], discarded.Results);

        var letter = (await Operator(backend).FetchAsync($"/dead-letters/{id}")).As<DeadLetterDetail>().Letter;
        Assert.Equal(("discarded", "test message from the load generator", "operator", "operator"), (letter.State, letter.Note, letter.RequestedBy, letter.ResolvedBy));
        Assert.Equal(Microseconds(world.Clock.GetUtcNow()), letter.ResolvedAt);
        Assert.Equal(1L, await world.Harness.Database.ScalarAsync<long>("select count(*) from dead_letters where dead_letter_id = $1", id));

        var replay = (await PostAsync(Operator(backend), "/dead-letters/replay", new { ids = new[] { id } })).As<DeadLetterActionAnswer>();
        var discardAgain = (await PostAsync(world.Client(backend, role: Roles.Admin), "/dead-letters/discard", new { ids = new[] { id }, note = "again" })).As<DeadLetterActionAnswer>();
        Assert.Equal([new(id, "unchanged", "discarded")], replay.Results);
        Assert.Equal([new(id, "unchanged", "discarded")], discardAgain.Results);
        Assert.Equal("test message from the load generator", await world.Harness.Database.ScalarAsync<string>("select note from dead_letters where dead_letter_id = $1", id));
    }

    [Fact]
    public async Task PayloadsArePreviewedAsEscapedTextNeverAsMarkup()
    {
        var items = (await Operator(Backend.Dapper).FetchAsync("/dead-letters?limit=200")).As<DeadLetterPage>().Items;
        string PreviewOf(byte[] payload) => items.Single(i => i.PayloadBytes == payload.Length && i.Topic == Topics.TicketSales
            && (i.Preview.Length > 0) && i.Preview[0] == (char)payload[0]).Preview;

        Assert.Equal("<img src=x onerror=alert(1)>", PreviewOf(HostilePayloads[0]));
        Assert.Equal("{\\xFF\\xFE\\u{0000}\\u{001B}[31m}", PreviewOf(HostilePayloads[1]));
        Assert.Equal("{\"theater_name\": \"\\u{202E}evil\\u{202C}\", \"note\": \"back\\\\\\\\slash\"}", PreviewOf(HostilePayloads[2]));
        var longOne = items.Single(i => i.PayloadBytes == 5_000);
        Assert.True(longOne.PreviewTruncated);
        Assert.Equal(300, longOne.Preview.Length);

        var raw = (await Operator(Backend.Ef).FetchAsync($"/dead-letters/{items.Single(i => i.Preview.StartsWith("<img", StringComparison.Ordinal)).Id}"));
        Assert.Equal("application/json", raw.MediaType);   // JSON text, for a text node: never a document a browser would render
        var detail = raw.As<DeadLetterDetail>();
        Assert.Equal("<img src=x onerror=alert(1)>", detail.PayloadText);
        Assert.StartsWith("3c 69 6d 67 20", detail.PayloadHex, StringComparison.Ordinal);
        Assert.Equal(5_000, (await Operator(Backend.Ef).FetchAsync($"/dead-letters/{longOne.Id}")).As<DeadLetterDetail>().PayloadText.Length);
    }

    [Fact]
    public async Task ListsArePagedNewestFirstByIdAndFilteredByStateReasonAndTime()
    {
        var all = (await Operator(Backend.Dapper).FetchAsync("/dead-letters?limit=200")).As<DeadLetterPage>().Items;
        Assert.Equal(all.Select(i => i.Id).OrderDescending(), all.Select(i => i.Id));
        var paged = new List<long>();
        string? before = null;
        do
        {
            var page = (await Operator(Backend.Ef).FetchAsync("/dead-letters?limit=2" + (before is null ? "" : $"&before={before}"))).As<DeadLetterPage>();
            Assert.True(page.Items.Count <= 2);
            paged.AddRange(page.Items.Select(i => i.Id));
            before = page.NextBefore?.ToString(CultureInfo.InvariantCulture);
        } while (before is not null);
        Assert.Equal(all.Select(i => i.Id), paged);

        var invalidJson = (await Operator(Backend.Ef).FetchAsync("/dead-letters?reason=invalid_json&state=dead&limit=200")).As<DeadLetterPage>().Items;
        Assert.All(invalidJson, i => Assert.Equal(("invalid_json", "dead"), (i.Reason, i.State)));
        Assert.Equal(all.Count(i => i.Reason == "invalid_json" && i.State == "dead"), invalidJson.Count);
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Empty((await Operator(Backend.Dapper).FetchAsync($"/dead-letters?from={tomorrow}")).As<DeadLetterPage>().Items);
        Assert.Equal(all.Count, (await Operator(Backend.Dapper).FetchAsync($"/dead-letters?to={tomorrow}&from=2020-01-01T00:00:00Z&limit=200")).As<DeadLetterPage>().Items.Count);

        var reasons = (await Operator(Backend.Ef).FetchAsync("/dead-letters/reasons")).As<List<DeadLetterReasonCount>>();
        Assert.Equal(all.Count, reasons.Sum(r => r.Count));
    }

    [Fact]
    public async Task ViewersAndAnonymousCallersAreRefusedEveryDeadLetterRoute()
    {
        foreach (var backend in new[] { Backend.Dapper, Backend.Ef })
        {
            foreach (var (client, status) in new[] { (world.Client(backend), HttpStatusCode.Forbidden), (world.Host(backend).Anonymous, HttpStatusCode.Unauthorized) })
            {
                Assert.Equal(status, (await client.FetchAsync("/dead-letters")).Status);
                Assert.Equal(status, (await client.FetchAsync("/dead-letters/1")).Status);
                Assert.Equal(status, (await client.FetchAsync("/dead-letters/reasons")).Status);
                Assert.Equal(status, (await PostAsync(client, "/dead-letters/replay", new { ids = new[] { 1 } })).Status);
                Assert.Equal(status, (await PostAsync(client, "/dead-letters/discard", new { ids = new[] { 1 }, note = "x" })).Status);
            }
        }
        Assert.Equal(0L, await world.Harness.Database.ScalarAsync<long>("select count(*) from dead_letters where dead_letter_id = 1 and state <> 'dead'"));
    }

    public static TheoryData<string> Urls() =>
    [
        "/dead-letters",
        "/dead-letters?limit=1",
        "/dead-letters?limit=2&before=3",
        "/dead-letters?state=dead&reason=invalid_json",
        $"/dead-letters?theater_id={MissingTheater.TheaterId}",
        "/dead-letters?from=2020-01-01&to=2099-12-31",
        "/dead-letters/reasons",
        "/dead-letters/1",
        "/dead-letters/2",
        "/dead-letters/999999",
        "/dead-letters/x",
        "/dead-letters?limit=0",
        "/dead-letters?state=lost",
        "/dead-letters?from=yesterday",
        "/dead-letters?from=2025-03-14T18:00:00&to=2025-03-14",
        "/dead-letters?reason=%3Cscript%3E",
        "/dead-letters?before=-1",
    ];

    [Theory]
    [MemberData(nameof(Urls))]
    public async Task BothBackendsAnswerTheSameJson(string url)
    {
        var dapper = await Operator(Backend.Dapper).FetchAsync(url);
        var ef = await Operator(Backend.Ef).FetchAsync(url);
        Assert.True((int)dapper.Status < 500, dapper.ToString());
        Assert.Equal((dapper.Status, dapper.MediaType, dapper.Comparable()), (ef.Status, ef.MediaType, ef.Comparable()));
        if ((int)dapper.Status >= 400) Assert.Equal("application/problem+json", dapper.MediaType);
    }

    [Fact]
    public async Task BothBackendsAnswerTheSameToActionsThatChangeNothing()
    {
        foreach (var (url, body) in new (string, object)[]
        {
            ("/dead-letters/replay", new { ids = new[] { 999_999L, 999_998L } }),
            ("/dead-letters/discard", new { ids = new[] { 999_999L }, note = "nothing to see" }),
            ("/dead-letters/replay", new { ids = Array.Empty<long>() }),
            ("/dead-letters/discard", new { ids = new[] { 1L } }),
        })
        {
            var dapper = await PostAsync(Operator(Backend.Dapper), url, body);
            var ef = await PostAsync(Operator(Backend.Ef), url, body);
            Assert.Equal((dapper.Status, dapper.MediaType, dapper.Comparable()), (ef.Status, ef.MediaType, ef.Comparable()));
        }
    }

    [Fact]
    public async Task BadBodiesAreProblemDetailsAndNeverChangeALetter()
    {
        var before = await world.Harness.Database.ScalarAsync<string>("select string_agg(dead_letter_id || state || coalesce(note, ''), ',' order by dead_letter_id) from dead_letters");
        string[] badForBoth =
        [
            "", "null", "[]", "{}", "{\"ids\": null}", "{\"ids\": \"1\"}", "{\"ids\": [\"1\"]}", "{\"ids\": [1.5]}", "{\"ids\": [0]}", "{\"ids\": [-3]}",
            "{\"ids\": [99999999999999999999]}", "{\"ids\": " + JsonSerializer.Serialize(Enumerable.Range(1, 501)) + ", \"note\": \"x\"}",
            "{\"ids\": [1]", "{\"ids\": [1]} trailing",
        ];
        // A replay takes no note; these are bad only as discards.
        string[] badNotes =
        [
            "{\"ids\": [1]}", "{\"ids\": [1], \"note\": \"\\u0000\"}", "{\"ids\": [1], \"note\": \"\\ud800\"}", "{\"ids\": [1], \"note\": \"   \"}",
            "{\"ids\": [1], \"note\": \"" + new string('n', 1_001) + "\"}", "{\"ids\": [1], \"note\": 7}",
        ];
        foreach (var (body, url) in badForBoth.SelectMany(b => new[] { (b, "/dead-letters/replay"), (b, "/dead-letters/discard") })
            .Concat(badNotes.Select(b => (b, "/dead-letters/discard"))))
        {
            var answer = await PostTextAsync(Operator(Backend.Dapper), url, body);
            Assert.True((int)answer.Status is >= 400 and < 500, $"{url} {body}: {answer}");
            Assert.Equal("application/problem+json", answer.MediaType);
        }
        Assert.Equal(before, await world.Harness.Database.ScalarAsync<string>("select string_agg(dead_letter_id || state || coalesce(note, ''), ',' order by dead_letter_id) from dead_letters"));

        // Generated bodies (some valid, naming ids no letter has) get an answer or a 4xx problem, never a 5xx.
        var generated = Gen.OneOf(
            Gen.OneOf(badForBoth),
            Gen.String[Gen.Char['\u0000', '\u00ff'], 0, 60],
            Gen.Select(Gen.Int[0, 3], Gen.Long[-3, 3].Select(id => id <= 0 ? id : 900_000 + id), Gen.Bool).Select((n, id, withNote) =>
                $"{{\"ids\": [{string.Join(",", Enumerable.Repeat(id, n))}]{(withNote ? ", \"note\": \"generated\"" : "")}}}"));
        await Gen.Select(generated, Gen.Bool, Gen.Bool).SampleAsync(async (body, discard, ef) =>
        {
            var answer = await PostTextAsync(Operator(ef ? Backend.Ef : Backend.Dapper), discard ? "/dead-letters/discard" : "/dead-letters/replay", body);
            Assert.True((int)answer.Status is >= 400 and < 500 || answer.Status == HttpStatusCode.OK, answer.ToString());
            if ((int)answer.Status >= 400)
            {
                Assert.Equal("application/problem+json", answer.MediaType);
                Assert.Equal((int)answer.Status, (int?)JsonNode.Parse(answer.Body)?["status"]);
            }
        }, iter: 300, threads: 1);
    }

    [Fact]
    public async Task GeneratedQueriesAreAnsweredOrRefusedAsProblemsNeverWithA5xx()
    {
        var values = Gen.OneOf(Gen.OneOf("", "0", "1", "-1", "200", "201", "dead", "replayed", "unknown_theater", "2025-03-14", "2025-02-30",
                "2025-03-14T18:00:00Z", "2025-03-14T18:00:00+05:30", "9999-12-31", "0001-01-01", "99999999999999999999", "%00", "<b>"),
            Gen.String[Gen.Char['\u0000', '\u024f'], 0, 30]);
        var names = Gen.OneOf("reason", "state", "theater_id", "from", "to", "limit", "before");
        await Gen.Select(names, values).Array[0, 5].Select(Gen.Bool).SampleAsync(async (query, ef) =>
        {
            var url = "/dead-letters?" + string.Join("&", query.Select(q => $"{q.Item1}={Uri.EscapeDataString(q.Item2)}"));
            var answer = await Operator(ef ? Backend.Ef : Backend.Dapper).FetchAsync(url);
            Assert.True((int)answer.Status is 200 or 400, $"{url}: {answer}");
            if (answer.Status == HttpStatusCode.BadRequest) Assert.Equal("application/problem+json", answer.MediaType);
        }, iter: 300, threads: 1);
    }

    /// <summary>An instant as PostgreSQL keeps it.</summary>
    private static DateTimeOffset Microseconds(DateTimeOffset at) => at.AddTicks(-(at.Ticks % 10));

    private static Task<ApiResponse> PostTextAsync(HttpClient client, string url, string body) =>
        client.SendForResponseAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") });

    private static Task<ApiResponse> PostAsync(HttpClient client, string url, object body) =>
        client.SendForResponseAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) });
}
