using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ReelMetrics.Contracts.Catalog;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Database.Roles;

namespace ReelMetrics.Database;

/// <summary>What one run of <see cref="DatabaseMigrator.MigrateAsync"/> changed.</summary>
public sealed record MigrationResult(IReadOnlyList<string> AppliedMigrations, int CatalogRowsChanged, int ShowtimesAdded);

/// <summary>
/// Owns the schema: applies the versioned SQL scripts in <c>Migrations/</c> that have not been
/// applied yet, each in its own transaction, then brings the seed catalog and the showtime
/// window around today up to date, and grants the service roles their privileges on what it made
/// (<see cref="DatabasePrivileges"/>). Run as the schema's owner (<see cref="DatabaseRole.Migrations"/>).
/// Safe to run any number of times, also concurrently.
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    /// <summary>Days of showtimes kept ahead of and behind "today".</summary>
    public const int ShowtimeWindowDays = 7;

    // Any constant will do: it only has to be the same for every migrator.
    private const long MigrationLockKey = 0x5EE1_3E7C;

    /// <summary>Migrates, keeping the chain's business-day settings the catalog holds (the seed's in a new catalog).</summary>
    public Task<MigrationResult> MigrateAsync(DateOnly today, CancellationToken cancellationToken = default) =>
        MigrateAsync(today, null, cancellationToken);

    /// <summary>Migrates, and sets the chain's business-day settings when <paramref name="chain"/> is given.</summary>
    /// <param name="today">The chain's business date: showtimes are kept for the window around it.</param>
    /// <param name="chain">
    /// The chain's home time zone and business-day cutoff to set (configuration); null keeps what the catalog holds,
    /// or <see cref="SeedCatalog.Chain"/> in a new catalog.
    /// </param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public async Task<MigrationResult> MigrateAsync(DateOnly today, ChainSettings? chain, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, $"select pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            var applied = await ApplyMigrationsAsync(connection, cancellationToken);
            var catalogRows = await UpsertCatalogAsync(connection, cancellationToken)
                + await UpsertChainAsync(connection, chain, cancellationToken);
            var showtimes = await EnsureShowtimesAsync(connection, today, cancellationToken);
            await DatabasePrivileges.ApplyAsync(connection, cancellationToken);
            logger.LogInformation(
                "Database is at version {Version}: applied {Applied} migration(s), {CatalogRows} catalog row(s) changed, {Showtimes} showtime(s) added",
                Migrations[^1].Version, applied.Count, catalogRows, showtimes);
            return new MigrationResult(applied, catalogRows, showtimes);
        }
        finally
        {
            await ExecuteAsync(connection, $"select pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    private sealed record Migration(int Version, string Name, string Sql);

    private static readonly IReadOnlyList<Migration> Migrations = LoadMigrations();

    private static List<Migration> LoadMigrations()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        const string prefix = "ReelMetrics.Database.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                var fileName = name[prefix.Length..^".sql".Length];   // e.g. "0001_catalog"
                var version = int.Parse(fileName.AsSpan(0, fileName.IndexOf('_')), System.Globalization.CultureInfo.InvariantCulture);
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                return new Migration(version, fileName, reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    private async Task<List<string>> ApplyMigrationsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, """
            create table if not exists schema_migrations (
                version    integer     primary key,
                name       text        not null,
                applied_at timestamptz not null default now())
            """, cancellationToken);

        var done = new HashSet<int>();
        await using (var command = new NpgsqlCommand("select version from schema_migrations", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) done.Add(reader.GetInt32(0));
        }

        var applied = new List<string>();
        foreach (var migration in Migrations.Where(m => !done.Contains(m.Version)))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, migration.Sql, cancellationToken);
            await using (var record = new NpgsqlCommand("insert into schema_migrations (version, name) values ($1, $2)", connection))
            {
                record.Parameters.Add(new() { Value = migration.Version });
                record.Parameters.Add(new() { Value = migration.Name });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Applied migration {Migration}", migration.Name);
            applied.Add(migration.Name);
        }
        return applied;
    }

    private static async Task<int> UpsertCatalogAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var theaters = SeedCatalog.Theaters;
        var movies = SeedCatalog.Movies;
        var screens = SeedCatalog.Screens;
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("""
                    insert into theaters (theater_id, name, city, time_zone, business_day_cutoff)
                    select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::time[])
                    on conflict (theater_id) do update set name = excluded.name, city = excluded.city, time_zone = excluded.time_zone,
                        business_day_cutoff = excluded.business_day_cutoff
                    where (theaters.name, theaters.city, theaters.time_zone, theaters.business_day_cutoff)
                        is distinct from (excluded.name, excluded.city, excluded.time_zone, excluded.business_day_cutoff)
                    """,
                    theaters.Select(t => t.TheaterId).ToArray(), theaters.Select(t => t.Name).ToArray(),
                    theaters.Select(t => t.City).ToArray(), theaters.Select(t => t.TimeZone).ToArray(),
                    theaters.Select(t => t.BusinessDayCutoff).ToArray()),
                Command("""
                    insert into movies (movie_id, title, genre, rating, runtime_minutes, release_date, popularity)
                    select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::int[], $6::date[], $7::real[])
                    on conflict (movie_id) do update set title = excluded.title, genre = excluded.genre, rating = excluded.rating,
                        runtime_minutes = excluded.runtime_minutes, release_date = excluded.release_date, popularity = excluded.popularity
                    where (movies.title, movies.genre, movies.rating, movies.runtime_minutes, movies.release_date, movies.popularity)
                        is distinct from (excluded.title, excluded.genre, excluded.rating, excluded.runtime_minutes, excluded.release_date, excluded.popularity)
                    """,
                    movies.Select(m => m.MovieId).ToArray(), movies.Select(m => m.Title).ToArray(), movies.Select(m => m.Genre).ToArray(),
                    movies.Select(m => m.Rating).ToArray(), movies.Select(m => m.RuntimeMinutes).ToArray(),
                    movies.Select(m => m.ReleaseDate).ToArray(), movies.Select(m => m.Popularity).ToArray()),
                Command("""
                    insert into screens (screen_id, theater_id, name, capacity, format)
                    select * from unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::text[])
                    on conflict (screen_id) do update set name = excluded.name, capacity = excluded.capacity, format = excluded.format
                    where (screens.name, screens.capacity, screens.format) is distinct from (excluded.name, excluded.capacity, excluded.format)
                    """,
                    screens.Select(s => s.ScreenId).ToArray(), screens.Select(s => s.TheaterId).ToArray(), screens.Select(s => s.Name).ToArray(),
                    screens.Select(s => s.Capacity).ToArray(), screens.Select(s => s.Format).ToArray()),
            },
        };
        return await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sets the chain's business-day settings when configured; otherwise only fills a new catalog with the seed's.</summary>
    private static async Task<int> UpsertChainAsync(NpgsqlConnection connection, ChainSettings? chain, CancellationToken cancellationToken)
    {
        var settings = chain ?? SeedCatalog.Chain;
        _ = TimeZoneInfo.FindSystemTimeZoneById(settings.HomeTimeZone);   // an unknown zone fails here, not in every reader
        await using var command = new NpgsqlCommand($"""
            insert into chain (home_time_zone, business_day_cutoff) values ($1, $2)
            on conflict (chain_id) do {(chain is null ? "nothing" : """
                update set home_time_zone = excluded.home_time_zone, business_day_cutoff = excluded.business_day_cutoff
                where (chain.home_time_zone, chain.business_day_cutoff) is distinct from (excluded.home_time_zone, excluded.business_day_cutoff)
                """)}
            """, connection);
        AddParameters(command.Parameters, settings.HomeTimeZone, settings.BusinessDayCutoff);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Adds the showtimes of [today − window, today + window] that are not there yet.</summary>
    private static async Task<int> EnsureShowtimesAsync(NpgsqlConnection connection, DateOnly today, CancellationToken cancellationToken)
    {
        var showtimes = Enumerable.Range(-ShowtimeWindowDays, 2 * ShowtimeWindowDays + 1)
            .SelectMany(offset => SeedCatalog.ShowtimesOn(today.AddDays(offset)))
            .ToList();
        await using var command = new NpgsqlCommand("""
            insert into showtimes (showtime_id, theater_id, screen_id, movie_id, starts_at, business_date, capacity, base_price)
            select * from unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::timestamp[], $6::date[], $7::int[], $8::numeric[])
            on conflict (showtime_id) do nothing
            """, connection);
        AddParameters(command.Parameters,
            showtimes.Select(s => s.ShowtimeId).ToArray(), showtimes.Select(s => s.TheaterId).ToArray(),
            showtimes.Select(s => s.ScreenId).ToArray(), showtimes.Select(s => s.MovieId).ToArray(),
            showtimes.Select(s => s.StartsAt).ToArray(), showtimes.Select(s => s.BusinessDate).ToArray(),
            showtimes.Select(s => s.Capacity).ToArray(), showtimes.Select(s => s.BasePrice).ToArray());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddParameters(command.Parameters, parameters);
        return command;
    }

    private static void AddParameters(NpgsqlParameterCollection collection, params object[] values)
    {
        foreach (var value in values) collection.Add(new NpgsqlParameter { Value = value });
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
