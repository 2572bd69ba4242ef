using System.Globalization;
using System.Text.Json;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// Identical behaviour, checked literally: every route answers the same status, media type and JSON text from
/// Dapper and EF, each with the Redis cache on and off, cold and warm (only <c>as_of</c> and a problem's trace id
/// may differ).
/// </summary>
public sealed class BackendEquivalenceTests(ApiWorld world) : IClassFixture<ApiWorld>
{
    private static readonly (Backend Backend, bool UseCache)[] Variants =
        [(Backend.Dapper, true), (Backend.Dapper, false), (Backend.Ef, true), (Backend.Ef, false)];

    public static TheoryData<string> Routes()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        string Day(int offset) => today.AddDays(offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return
        [
            "/theaters",
            "/theaters/1",
            "/theaters/30",
            "/theaters/1/movies",
            $"/theaters/2/movies?from={Day(-10)}&to={Day(3)}",
            $"/theaters/5/movies?from={Day(2)}&to={Day(2)}",
            "/theaters/4/showtimes",
            $"/theaters/11/showtimes?date={Day(-1)}",
            $"/theaters/19/showtimes?date={Day(-30)}",
            $"/top-theater/{Day(0)}",
            $"/top-theater/{Day(-1)}",
            $"/top-theater/{Day(2)}",
            $"/top-theater/{Day(-7)}",
            "/top-theater/2001-01-01",
            "/movies",
            "/movies/28/sales",
            $"/movies/8/sales?from={Day(-8)}&to={Day(1)}",
            "/leaderboards/theaters",
            "/leaderboards/theaters?limit=100",
            $"/leaderboards/theaters?date={Day(2)}&limit=1",
            "/leaderboards/movies?limit=3",
            $"/leaderboards/movies?date={Day(-7)}&limit=100",
            "/summary",
            $"/summary?from={Day(-7)}&to={Day(7)}",
            $"/summary?from={Day(-400)}&to={Day(-35)}",
            "/pace",
            "/business-day",
            "/theaters/x",
            "/theaters/99",
            "/movies/0/sales",
            "/leaderboards/movies?limit=0",
            "/summary?from=2025-01-02&to=2025-01-01",
            "/nowhere",
            "/status",
            "/alerts",
            "/alerts?state=open",
            $"/alerts?state=all&from={Day(-1)}&limit=5",
            "/alerts?from=2025-03-14T18:00:00Z",
            "/alerts?state=closed",
            "/alerts?limit=501",
            "/alerts?from=yesterday",
        ];
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryBackendAndCacheSettingGivesTheSameAnswer(string url)
    {
        var answers = new List<(string Variant, ApiResponse Response)>();
        foreach (var (backend, useCache) in Variants)
        {
            // Twice: the first answer may fill the in-memory catalog and schedule, the second is served with them.
            var variant = $"{backend}, cache {(useCache ? "on" : "off")}";
            answers.Add((variant, await world.Client(backend, useCache).FetchAsync(url)));
            answers.Add((variant + ", again", await world.Client(backend, useCache).FetchAsync(url)));
        }

        var (firstVariant, first) = answers[0];
        Assert.True((int)first.Status < 500, first.ToString());
        foreach (var (variant, response) in answers.Skip(1))
        {
            Assert.True(first.Status == response.Status, $"{url}: {firstVariant} {first} but {variant} {response}");
            Assert.Equal(first.MediaType, response.MediaType);
            Assert.Equal(first.Comparable(), response.Comparable());
        }
    }

    [Fact]
    public async Task EveryBackendAndCacheSettingStreamsTheSameTotals()
    {
        var events = new List<string>();
        foreach (var (backend, useCache) in Variants)
        {
            await using var stream = await LiveStream.OpenAsync(world.Client(backend, useCache));
            var totals = await stream.NextTotalsAsync();
            events.Add(JsonSerializer.Serialize(totals with { AsOf = default }, ApiResponse.Json));
        }

        Assert.Single(events.Distinct());
    }
}
