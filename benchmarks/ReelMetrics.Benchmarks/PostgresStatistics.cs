using Npgsql;

namespace ReelMetrics.Benchmarks;

/// <summary>One statement's share of PostgreSQL's time during a run (pg_stat_statements).</summary>
internal sealed record StatementStats(long Calls, double TotalMs, double MeanMs, long Rows, string Query);

/// <summary>What PostgreSQL did during a run: the costliest statements and the WAL written and flushed.</summary>
internal sealed record PostgresStats(IReadOnlyList<StatementStats> Statements, long WalRecords, long WalBytes, long WalSyncs, double WalSyncMs, double WalWriteMs);

internal static class PostgresStatistics
{
    public static async Task ResetAsync(string postgres)
    {
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        await using var command = dataSource.CreateCommand("select pg_stat_statements_reset(); select pg_stat_reset_shared('wal')");
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<PostgresStats> ReadAsync(string postgres)
    {
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var statements = new List<StatementStats>();
        await using (var command = dataSource.CreateCommand("""
            select calls, total_exec_time, mean_exec_time, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 140)
            from pg_stat_statements s join pg_database d on d.oid = s.dbid
            where d.datname = current_database()
            order by total_exec_time desc limit 10
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                statements.Add(new StatementStats(reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetString(4)));
            }
        }
        await using var wal = dataSource.CreateCommand("select wal_records, wal_bytes::bigint, wal_sync, wal_sync_time, wal_write_time from pg_stat_wal");
        await using var walReader = await wal.ExecuteReaderAsync();
        await walReader.ReadAsync();
        return new PostgresStats(statements, walReader.GetInt64(0), walReader.GetInt64(1), walReader.GetInt64(2), walReader.GetDouble(3), walReader.GetDouble(4));
    }
}
