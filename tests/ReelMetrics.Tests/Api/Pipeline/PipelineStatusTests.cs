using System.Net;
using ReelMetrics.Contracts.Api;
using static ReelMetrics.Tests.Api.Pipeline.PipelineRows;

namespace ReelMetrics.Tests.Api.Pipeline;

/// <summary>
/// <c>GET /status</c> against both backends: the state decided from consumer heartbeats written with controlled
/// times (the API's clock is frozen), the figures reported with it, and the thresholds from configuration.
/// </summary>
public abstract class PipelineStatusTests(ApiWorld world) : IClassFixture<ApiWorld>, IAsyncLifetime
{
    protected abstract Backend Backend { get; }

    private readonly PipelineRows rows = new(world.Harness.Database.DataSource);

    private DateTimeOffset Now => world.Clock.GetUtcNow();

    public async ValueTask InitializeAsync()
    {
        await rows.ClearHeartbeatsAsync();
        await rows.ClearDeadLettersAsync();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<PipelineStatus> StatusAsync(HttpClient? client = null)
    {
        var response = await (client ?? world.Client(Backend)).FetchAsync("/status");
        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
        return response.As<PipelineStatus>();
    }

    [Fact]
    public async Task WithoutAnyConsumerHeartbeatThePipelineIsStalled()
    {
        var status = await StatusAsync();

        Assert.Equal(PipelineStates.Stalled, status.State);
        Assert.Equal(0, status.Consumers);
        Assert.Null(status.LastHeartbeatAt);
        Assert.Null(status.NewestSale);
    }

    [Fact]
    public async Task AnAliveConsumerWithNothingWaitingIsLiveEvenWhenNobodyBuys()
    {
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-1)) { NewestSoldAt = Now.AddHours(-2), NewestStoredAt = Now.AddHours(-2), LastBatchAt = Now.AddHours(-2) });

        var status = await StatusAsync();

        Assert.Equal(PipelineStates.Live, status.State);
        Assert.Equal(1, status.Consumers);
        Assert.Equal(0, status.ConsumerLag);
        Assert.Equal(7200, status.NewestSale!.AgeSeconds);
    }

    [Fact]
    public async Task AConsumerSilentForLongerThanTheHeartbeatTimeoutNoLongerKeepsThePipelineLive()
    {
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-14)));
        Assert.Equal(PipelineStates.Live, (await StatusAsync()).State);

        await rows.ClearHeartbeatsAsync();
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-16)) { NewestSoldAt = Now.AddSeconds(-20), NewestStoredAt = Now.AddSeconds(-19.5) });
        var status = await StatusAsync();

        Assert.Equal(PipelineStates.Stalled, status.State);
        Assert.Contains("16 s", status.Reason);
        Assert.Equal(0, status.Consumers);
        Assert.InRange((Now.AddSeconds(-16) - status.LastHeartbeatAt!.Value).Duration(), TimeSpan.Zero, TimeSpan.FromMicroseconds(1));   // PostgreSQL keeps microseconds
        Assert.Equal(20, status.NewestSale!.AgeSeconds);   // a dead consumer's newest sale is still the newest sale stored
    }

    [Fact]
    public async Task AConsumerThatStoppedCleanlyIsGoneAtOnce()
    {
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-1)) { StoppedAt = Now.AddSeconds(-1) });

        var status = await StatusAsync();

        Assert.Equal(PipelineStates.Stalled, status.State);
        Assert.Contains("stopped", status.Reason);
    }

    [Fact]
    public async Task StaleRowsOfDeadConsumersDoNotCountButAnAliveOneKeepsThePipelineLive()
    {
        await rows.WriteAsync(
            new Heartbeat(Now.AddMinutes(-30)) { Lag = 5_000, BacklogSince = Now.AddMinutes(-31) },
            new Heartbeat(Now.AddSeconds(-2)) { StoppedAt = Now.AddSeconds(-2), Lag = 3 },
            new Heartbeat(Now.AddSeconds(-1)) { Lag = 2, LastBatchAt = Now.AddSeconds(-1), BacklogSince = Now.AddSeconds(-3), SalesLastMinute = 120 });

        var status = await StatusAsync();

        Assert.Equal(PipelineStates.Live, status.State);
        Assert.Equal(1, status.Consumers);
        Assert.Equal(2, status.ConsumerLag);
        Assert.Equal(120, status.SalesPerMinute);
    }

    [Fact]
    public async Task ABacklogNothingWasStoredFromForThirtySecondsIsStalled()
    {
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-1)) { Lag = 12, LastBatchAt = Now.AddSeconds(-31), BacklogSince = Now.AddSeconds(-40) });

        var status = await StatusAsync();

        Assert.Equal(PipelineStates.Stalled, status.State);
        Assert.Contains("12 messages waiting", status.Reason);
    }

    [Fact]
    public async Task NewWorkAfterAQuietHourIsNotAStall()
    {
        // The last batch was an hour ago, but the backlog is two seconds old: the consumer has not had time yet.
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-1)) { Lag = 1, LastBatchAt = Now.AddHours(-1), BacklogSince = Now.AddSeconds(-2) });

        Assert.Equal(PipelineStates.Live, (await StatusAsync()).State);
    }

    [Fact]
    public async Task MoreMessagesWaitingThanTheThresholdIsLagging()
    {
        await rows.WriteAsync(
            new Heartbeat(Now.AddSeconds(-1)) { Lag = 600, LastBatchAt = Now.AddSeconds(-1), BacklogSince = Now.AddSeconds(-20) },
            new Heartbeat(Now.AddSeconds(-1)) { Lag = 401, LastBatchAt = Now.AddSeconds(-1), BacklogSince = Now.AddSeconds(-20) });

        var status = await StatusAsync();

        Assert.Equal(PipelineStates.Lagging, status.State);
        Assert.Equal(1001, status.ConsumerLag);
        Assert.Equal(2, status.Consumers);
    }

    [Fact]
    public async Task SalesStoredLongAfterTheyWereSoldAreLagging()
    {
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-1)) { NewestSoldAt = Now.AddSeconds(-25), NewestStoredAt = Now.AddSeconds(-2), LastBatchAt = Now.AddSeconds(-2) });
        var status = await StatusAsync();
        Assert.Equal(PipelineStates.Lagging, status.State);
        Assert.Equal(25, status.NewestSale!.AgeSeconds);

        // The same delay a while ago, with no sale since: nothing flows, nothing lags.
        await rows.ClearHeartbeatsAsync();
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-1)) { NewestSoldAt = Now.AddMinutes(-10), NewestStoredAt = Now.AddMinutes(-9), LastBatchAt = Now.AddMinutes(-9) });
        Assert.Equal(PipelineStates.Live, (await StatusAsync()).State);
    }

    [Fact]
    public async Task DeadLettersOfTheLastHourAreCountedByReasonMostFirst()
    {
        await rows.DeadLettersAsync("unknown_theater", Now.AddMinutes(-5), Now.AddMinutes(-59), Now.AddMinutes(-30));
        await rows.DeadLettersAsync("malformed", Now.AddMinutes(-1), Now.AddMinutes(-61));
        await rows.DeadLettersAsync("invalid_price", Now.AddHours(-3));

        var status = await StatusAsync();

        Assert.Equal([new DeadLetterCount("unknown_theater", 3), new DeadLetterCount("malformed", 1)], status.DeadLettersLastHour);
    }

    [Fact]
    public async Task TheThresholdsComeFromConfigurationAndAreReported()
    {
        await using var host = world.StartHost(Backend, new ApiSettings(world.Postgres, world.Redis, Extra: new Dictionary<string, string>
        {
            ["Api:Status:HeartbeatTimeout"] = "00:01:00", ["Api:Status:LaggingAboveMessages"] = "10",
        }));
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-45)) { Lag = 11, LastBatchAt = Now.AddSeconds(-2) });

        var status = await StatusAsync(host.Client);

        Assert.Equal(PipelineStates.Lagging, status.State);
        Assert.Equal(new StatusThresholds(60, 30, 10, 10), status.Thresholds);
        Assert.Equal(new StatusThresholds(15, 30, 1000, 10), (await StatusAsync()).Thresholds);
        Assert.Equal(PipelineStates.Stalled, (await StatusAsync()).State);
    }

    [Fact]
    public async Task TheLiveStreamCarriesTheStatus()
    {
        await rows.WriteAsync(new Heartbeat(Now.AddSeconds(-1)));
        await using var stream = await LiveStream.OpenAsync(world.Client(Backend));

        var status = System.Text.Json.JsonSerializer.Deserialize<PipelineStatus>(await stream.NextEventAsync("status"), ApiResponse.Json)!;

        Assert.Equal(PipelineStates.Live, status.State);
        Assert.Equal("[]", await stream.NextEventAsync("alerts"));
    }
}

public sealed class DapperPipelineStatusTests(ApiWorld world) : PipelineStatusTests(world)
{
    protected override Backend Backend => Backend.Dapper;
}

public sealed class EfPipelineStatusTests(ApiWorld world) : PipelineStatusTests(world)
{
    protected override Backend Backend => Backend.Ef;
}
