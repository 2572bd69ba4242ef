using Npgsql;
using ReelMetrics.Contracts.Rollups;

namespace ReelMetrics.Database.Roles;

/// <summary>
/// What each service role may do in the sales database, declared once. Applied by the schema's owner after every
/// migration run: each role's table privileges are revoked and granted again in one transaction, so the grants in
/// force are exactly these, also after a migration adds a table.
/// </summary>
public static class DatabasePrivileges
{
    /// <summary>Tables the consumer writes while ingesting, and how (<see cref="Ingestion"/> says why each is needed).</summary>
    public static IReadOnlyList<TableGrant> Ingestion { get; } =
    [
        // Sales are inserted once and never changed.
        new("sales", "select, insert"),
        // Aggregates are upserted: insert ... on conflict do update of their measures and latest values only (a row's keys,
        // and the capacity a showtime's row carries, never change). (While a batch decides which sales fit, its showtimes
        // are held with advisory locks, which need no privilege.)
        .. Rollups.All.Select(rollup => new TableGrant(rollup.Table, $"select, insert, update ({string.Join(", ", rollup.UpdatedColumns)})")),
        // The outbox of the dead-letter topic: stored, then marked published.
        new("dead_letters", "select, insert, update"),
        // Its own heartbeat row (upserted every second); rows of consumers gone for a day are deleted at start.
        new("pipeline_heartbeats", "select, insert, update, delete"),
    ];

    /// <summary>
    /// What the APIs write on top of reading everything, and nothing more: the alerts their evaluator raises (insert) and
    /// resolves (update of the columns that change; rule, subject and raised_at never do), and the operator's side of a
    /// dead letter (asking for a replay, discarding it with a note, and who did it when). The APIs never write sales or
    /// Kafka: the consumer carries out a requested replay.
    /// </summary>
    public static IReadOnlyList<TableGrant> ApiWrites { get; } =
    [
        new("alerts", "insert, update (resolved_at, severity, message, details)"),
        new("dead_letters", "update (state, requested_by, requested_at, resolved_by, resolved_at, note)"),
    ];

    /// <summary>Tables the generator reads: the showtimes it sells and the seats already sold.</summary>
    public static IReadOnlyList<TableGrant> Generator { get; } = [new("showtimes", "select"), new("showtime_sales", "select")];

    /// <summary>
    /// Grants each service role that exists in the cluster its privileges on the tables of schema public, and makes
    /// tables the connected role creates later readable by the API role. Run as the schema's owner (or a superuser).
    /// </summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using (var roles = new NpgsqlCommand("select rolname from pg_roles where rolname = any($1)", connection))
        {
            roles.Parameters.Add(new() { Value = DatabaseRoles.SalesReaders.Select(DatabaseRoles.NameOf).ToArray() });
            await using var reader = await roles.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) existing.Add(reader.GetString(0));
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var role in DatabaseRoles.SalesReaders.Where(r => existing.Contains(DatabaseRoles.NameOf(r))))
        {
            foreach (var sql in StatementsFor(role))
            {
                batch.BatchCommands.Add(new(sql));
            }
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static IEnumerable<string> StatementsFor(DatabaseRole role)
    {
        var name = DatabaseRoles.NameOf(role);
        yield return $"revoke all on all tables in schema public from {name}";
        yield return $"revoke all on all sequences in schema public from {name}";
        switch (role)
        {
            case DatabaseRole.Api:
                yield return $"grant select on all tables in schema public to {name}";
                // Tables added by later migrations are readable at once, before the next grant run.
                yield return $"alter default privileges in schema public grant select on tables to {name}";
                foreach (var grant in ApiWrites)
                {
                    yield return $"grant {grant.Privileges} on {grant.Table} to {name}";
                }

                break;
            case DatabaseRole.Consumer:
                // The catalog, the aggregates it reconciles the live cache from, and the tables it writes.
                yield return $"grant select on all tables in schema public to {name}";
                foreach (var grant in Ingestion)
                {
                    yield return $"grant {grant.Privileges} on {grant.Table} to {name}";
                }

                yield return $"grant usage on all sequences in schema public to {name}";
                break;
            case DatabaseRole.Generator:
                foreach (var grant in Generator)
                {
                    yield return $"grant {grant.Privileges} on {grant.Table} to {name}";
                }

                break;
        }
    }
}

/// <summary>Privileges (SQL, e.g. <c>select, insert</c>) on one table of schema public.</summary>
public sealed record TableGrant(string Table, string Privileges);
