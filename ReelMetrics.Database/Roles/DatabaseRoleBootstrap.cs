using Microsoft.Extensions.Logging;
using Npgsql;

namespace ReelMetrics.Database.Roles;

/// <summary>
/// The roles to create and the databases they own. <paramref name="Passwords"/> holds a password for every role to
/// manage; <see cref="DatabaseRole.Migrations"/> is required (it owns <paramref name="SalesDatabase"/>), a role left out
/// is not touched, and <paramref name="IdentityDatabase"/> is managed only when <see cref="DatabaseRole.Identity"/> is in.
/// </summary>
public sealed record DatabaseRoleSetup(string SalesDatabase, string IdentityDatabase, IReadOnlyDictionary<DatabaseRole, string> Passwords);

/// <summary>
/// Creates ReelMetrics' login roles and hands each database to its owner, as a superuser, before the migrations run
/// (as the owner). Idempotent and safe to run concurrently: roles that exist are altered, so every run re-applies the
/// passwords (a changed parameter takes effect at the next start) and the attributes (never superuser, no CREATEDB,
/// no CREATEROLE). Passwords are stored as SCRAM-SHA-256 verifiers computed here (see <see cref="ScramVerifier"/>).
/// </summary>
/// <remarks>
/// Only owners and the roles granted CONNECT reach a database: PUBLIC's default CONNECT and TEMPORARY are revoked, so
/// the identity role cannot open the sales database and the sales roles cannot open the identity database. Tables a
/// superuser created before (installations from before these roles) are given to the owner. Table privileges are
/// granted by the owner after migrating (<see cref="DatabasePrivileges"/>).
/// </remarks>
/// <param name="superuserConnectionString">A superuser's connection (its default database is the one connected to first).</param>
/// <param name="logger">Says what was created.</param>
public sealed class DatabaseRoleBootstrap(string superuserConnectionString, ILogger<DatabaseRoleBootstrap> logger)
{
    // Not the migrator's key: the bootstrap holds its lock on the maintenance database.
    private const long BootstrapLockKey = 0x5EE1_0BAD;

    public async Task ApplyAsync(DatabaseRoleSetup setup, CancellationToken cancellationToken = default)
    {
        if (!setup.Passwords.ContainsKey(DatabaseRole.Migrations))
        {
            throw new ArgumentException("The migration role's password is required: it owns the sales database.", nameof(setup));
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(superuserConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $"select pg_advisory_lock({BootstrapLockKey})", cancellationToken);
        try
        {
            foreach (var (role, password) in setup.Passwords.OrderBy(p => p.Key))
            {
                await EnsureRoleAsync(connection, DatabaseRoles.NameOf(role), password, cancellationToken);
            }

            var owner = DatabaseRoles.NameOf(DatabaseRole.Migrations);
            await EnsureDatabaseAsync(connection, setup.SalesDatabase, owner, cancellationToken);
            var readers = DatabaseRoles.SalesReaders.Where(setup.Passwords.ContainsKey).Select(DatabaseRoles.NameOf).ToList();
            if (readers.Count > 0)
            {
                await ExecuteAsync(connection, $"grant connect on database {Quote(setup.SalesDatabase)} to {string.Join(", ", readers)}", cancellationToken);
            }

            if (setup.Passwords.ContainsKey(DatabaseRole.Consumer))
            {
                // Its staging table is a temporary table.
                await ExecuteAsync(connection, $"grant temporary on database {Quote(setup.SalesDatabase)} to {DatabaseRoles.NameOf(DatabaseRole.Consumer)}", cancellationToken);
            }

            await TakeOverSchemaAsync(setup.SalesDatabase, owner, cancellationToken);

            if (setup.Passwords.ContainsKey(DatabaseRole.Identity))
            {
                var identity = DatabaseRoles.NameOf(DatabaseRole.Identity);
                await EnsureDatabaseAsync(connection, setup.IdentityDatabase, identity, cancellationToken);
                await TakeOverSchemaAsync(setup.IdentityDatabase, identity, cancellationToken);
            }

            logger.LogInformation("Database roles in place: {Roles}; {SalesDatabase} owned by {Owner}",
                string.Join(", ", setup.Passwords.Keys.Order().Select(DatabaseRoles.NameOf)), setup.SalesDatabase, owner);
        }
        finally
        {
            await ExecuteAsync(connection, $"select pg_advisory_unlock({BootstrapLockKey})", CancellationToken.None);
        }
    }

    private static async Task EnsureRoleAsync(NpgsqlConnection connection, string role, string password, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        try
        {
            await ExecuteAsync(connection, $"create role {role} login", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation)
        {
            // It exists (from an earlier start, or another bootstrap right now): altered below.
        }

        string secret;
        if (ScramVerifier.CanHash(password))
        {
            secret = ScramVerifier.For(password);
        }
        else
        {
            // The server hashes it; whatever the server's default, as SCRAM.
            await ExecuteAsync(connection, "set password_encryption = 'scram-sha-256'", cancellationToken);
            secret = password;
        }

        await ExecuteAsync(connection,
            $"alter role {role} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password {QuoteLiteral(secret)}",
            cancellationToken);
    }

    private async Task EnsureDatabaseAsync(NpgsqlConnection connection, string database, string owner, CancellationToken cancellationToken)
    {
        // Created by the superuser, then given to its owner (also when the AppHost created it).
        if (await PostgresDatabases.CreateIfMissingAsync(connection, database, cancellationToken))
        {
            logger.LogInformation("Created database {Database} owned by {Owner}", database, owner);
        }

        await ExecuteAsync(connection, $"alter database {Quote(database)} owner to {owner}", cancellationToken);
        await ExecuteAsync(connection, $"revoke all on database {Quote(database)} from public", cancellationToken);
    }

    /// <summary>Lets only the owner create in schema public, and gives it what a superuser created there before.</summary>
    private async Task TakeOverSchemaAsync(string database, string owner, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(superuserConnectionString) { Database = database, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $"""
            revoke create on schema public from public;
            grant usage, create on schema public to {owner};
            do $$
            declare
                item record;
            begin
                -- Sequences of serial and identity columns follow their table.
                for item in
                    select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and c.relowner <> {QuoteLiteral(owner)}::regrole
                      and not (c.relkind = 'S' and exists (
                          select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')))
                loop
                    execute format('alter %s %I owner to %I',
                        case item.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view'
                            when 'f' then 'foreign table' else 'table' end,
                        item.relname, {QuoteLiteral(owner)});
                end loop;
                for item in
                    select p.oid::regprocedure as signature, p.prokind from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where n.nspname = 'public' and p.proowner <> {QuoteLiteral(owner)}::regrole
                loop
                    execute format('alter %s %s owner to %I',
                        case item.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
                        item.signature, {QuoteLiteral(owner)});
                end loop;
            end
            $$;
            """, cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
