using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using ReelMetrics.Contracts;
using ReelMetrics.Database;
using ReelMetrics.Database.Roles;

namespace ReelMetrics.MigrationService;

public sealed class MigrationWorker(
    DatabaseMigrator migrator,
    IConfiguration configuration,
    IOptions<DatabaseRolesOptions> roles,
    IOptions<BusinessDayOptions> businessDay,
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

                    // Showtimes are kept around the chain's business date (a window of days: the seed's rule is close enough
                    // when the catalog holds other settings).
                    var today = businessDay.Value.Rule().DateOf(clock.GetUtcNow());
                    await migrator.MigrateAsync(today, businessDay.Value.Configured(), stoppingToken);
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
        var connection = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(ConnectionNames.Database));
        var expected = DatabaseRoles.NameOf(DatabaseRole.Migrations);
        if (connection.Username != expected || string.IsNullOrEmpty(connection.Password) || string.IsNullOrEmpty(connection.Database))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionNames.Database} must name the database and log in as {expected} with a password when roles are created.");
        }

        var passwords = roles.Value.ServicePasswords().Prepend(new(DatabaseRole.Migrations, connection.Password)).ToDictionary();
        return new DatabaseRoleSetup(connection.Database, roles.Value.IdentityDatabase, passwords);
    }
}
