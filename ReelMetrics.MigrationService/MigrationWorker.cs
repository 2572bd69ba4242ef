using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using ReelMetrics.Database;
using ReelMetrics.Database.Roles;

namespace ReelMetrics.MigrationService;

public sealed class MigrationWorker(
    DatabaseMigrator migrator,
    IConfiguration configuration,
    IOptions<DatabaseRolesOptions> roles,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<MigrationWorker> logger,
    DatabaseRoleBootstrap? bootstrap = null) : BackgroundService
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
                    if (bootstrap is not null)
                    {
                        await bootstrap.ApplyAsync(Setup(), stoppingToken);
                    }

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

    /// <summary>The migration role is the login of our own connection string; it owns the database that names.</summary>
    private DatabaseRoleSetup Setup()
    {
        var connection = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("reelmetrics"));
        var expected = DatabaseRoles.NameOf(DatabaseRole.Migrations);
        if (connection.Username != expected || string.IsNullOrEmpty(connection.Password) || string.IsNullOrEmpty(connection.Database))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:reelmetrics must name the database and log in as {expected} with a password when roles are created.");
        }

        var passwords = roles.Value.ServicePasswords().Prepend(new(DatabaseRole.Migrations, connection.Password)).ToDictionary();
        return new DatabaseRoleSetup(connection.Database, roles.Value.IdentityDatabase, passwords);
    }
}
