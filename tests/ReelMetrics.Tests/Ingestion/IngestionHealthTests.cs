using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ReelMetrics.Consumer;
using ReelMetrics.Consumer.Ingestion;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>How the consumer's health check <c>ingestion</c> tells an operator what the pipeline is going through.</summary>
public sealed class IngestionHealthTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 5, 21, 0, 0, TimeSpan.Zero));
    private readonly ConsumerOptions options = new() { UnhealthyAfter = TimeSpan.FromSeconds(30), LossAlarmDuration = TimeSpan.FromMinutes(15) };

    private IngestionHealth Health() => new(clock, Options.Create(options));

    private static async Task<HealthCheckResult> CheckAsync(IngestionHealth health) =>
        await health.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

    [Fact]
    public async Task StoringThatFailsIsDegradedAtOnceUnhealthyAfterTheStatedTimeAndHealthyWhenABatchIsStoredAgain()
    {
        var health = Health();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health)).Status);

        health.StoringFailed("connection refused");
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(health)).Status);
        clock.Advance(TimeSpan.FromSeconds(29));
        health.StoringFailed("connection refused");
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(health)).Status);
        clock.Advance(TimeSpan.FromSeconds(1));
        var unhealthy = await CheckAsync(health);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Contains("connection refused", unhealthy.Description, StringComparison.Ordinal);

        health.Stored();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health)).Status);
    }

    [Fact]
    public async Task LostEventsAreUnhealthyWithTheirNumberForTheAlarmsDuration()
    {
        var health = Health();
        health.EventsWereLost(120);
        health.EventsWereLost(30);
        health.Stored();   // storing later batches does not hide a loss

        var report = await CheckAsync(health);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal(150L, report.Data["events_lost"]);
        Assert.StartsWith("150 events were lost", report.Description, StringComparison.Ordinal);

        clock.Advance(options.LossAlarmDuration);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health)).Status);
    }

    [Fact]
    public async Task AWorkerRestartingIsDegradedUntilItRunsAgain()
    {
        var health = Health();
        health.WorkerRestarting("injected");
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(health)).Status);
        health.Running();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health)).Status);
    }
}
