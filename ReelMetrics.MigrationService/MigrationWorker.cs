using System.Diagnostics;
using Npgsql;
using ReelMetrics.Database;

namespace ReelMetrics.MigrationService;

public sealed class MigrationWorker(
    DatabaseMigrator migrator,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<MigrationWorker> logger) : BackgroundService
{
    public static readonly ActivitySource ActivitySource = new("ReelMetrics.MigrationService");

    // The server may still be finishing start-up when we are launched: retry transient failures for a while.
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = ActivitySource.StartActivity("Migrate database");
        var deadline = clock.GetUtcNow() + RetryFor;
        try
        {
            while (true)
            {
                try
                {
                    await migrator.MigrateAsync(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), stoppingToken);
                    break;
                }
                catch (NpgsqlException ex) when (ex.IsTransient && clock.GetUtcNow() < deadline)
                {
                    logger.LogWarning("Database not reachable yet ({Message}); retrying", ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            logger.LogCritical(ex, "Database migration failed");
            Environment.ExitCode = 1;
        }
        lifetime.StopApplication();
    }
}
