using Npgsql;

namespace ReelMetrics.Database;

/// <summary>Databases on a PostgreSQL server, as a superuser (or a role that may create databases) sees them.</summary>
public static class PostgresDatabases
{
    /// <summary>
    /// Creates <paramref name="database"/> unless it exists; safe to run concurrently (the AppHost's local backing and
    /// the migration service may both). True when this call created it.
    /// </summary>
    public static async Task<bool> CreateIfMissingAsync(NpgsqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection)
        {
            Parameters = { new() { Value = database } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null) return false;

        await using var create = new NpgsqlCommand($"create database {new NpgsqlCommandBuilder().QuoteIdentifier(database)}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            return false;   // created concurrently by someone else: the state we wanted
        }
    }
}
