using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReelMetrics.Database;

namespace ReelMetrics.Tests.Fixtures;

/// <summary>A fresh database with the ReelMetrics schema and seed catalog applied, for one test class.</summary>
public sealed class SalesDatabase : IAsyncDisposable
{
    private SalesDatabase(string connectionString, NpgsqlDataSource dataSource)
    {
        ConnectionString = connectionString;
        DataSource = dataSource;
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The chain's business date now, as the APIs' default date.</summary>
    public static DateOnly Today => ReelMetrics.Database.Catalog.SeedCatalog.Calendar.Today(DateTimeOffset.UtcNow);

    public static async Task<SalesDatabase> CreateAsync(PostgresFixture postgres, string prefix) =>
        await CreateAsync(await postgres.CreateDatabaseAsync(prefix));

    /// <summary>Applies the schema and seed catalog to the (existing, empty) database at <paramref name="connectionString"/>.</summary>
    public static async Task<SalesDatabase> CreateAsync(string connectionString)
    {
        // A test that fails on a server error (a deadlock, a constraint) shows its DETAIL: which rows, which processes.
        connectionString = new NpgsqlConnectionStringBuilder(connectionString) { IncludeErrorDetail = true }.ConnectionString;
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(Today);
        return new SalesDatabase(connectionString, dataSource);
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        var result = await command.ExecuteScalarAsync();
        return result switch
        {
            DBNull or null => default!,
            T typed => typed,
            _ => (T)Convert.ChangeType(result, typeof(T), System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
