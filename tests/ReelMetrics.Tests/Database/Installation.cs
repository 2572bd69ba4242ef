using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReelMetrics.Database;
using ReelMetrics.Database.Roles;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Database;

/// <summary>
/// A sales database (and its identity database) set up as the migration service does it: roles created by the
/// superuser, then migrated by the migration role. Immutable: <see cref="WithPassword"/> makes a changed copy.
/// </summary>
internal sealed record Installation(string SuperuserConnectionString, string SalesDatabase, string IdentityDatabase, IReadOnlyDictionary<DatabaseRole, string> Passwords)
{
    /// <summary>Fixed per test run, not per installation: the roles are shared by every database of the server.</summary>
    private static readonly IReadOnlyDictionary<DatabaseRole, string> TestPasswords =
        DatabaseRoles.All.ToDictionary(role => role, role => $"{role.ToString().ToLowerInvariant()}-test-{Guid.NewGuid():N}");

    public static async Task<Installation> CreateAsync(PostgresFixture postgres, string prefix) =>
        await CreateAsync(await postgres.CreateDatabaseAsync(prefix, TestContext.Current.CancellationToken));

    /// <summary>Takes over the database at <paramref name="superuserDatabase"/> (a superuser's connection string), as an upgrade would.</summary>
    public static async Task<Installation> CreateAsync(string superuserDatabase)
    {
        var connection = new NpgsqlConnectionStringBuilder(superuserDatabase);
        var sales = connection.Database!;
        connection.Database = "postgres";
        var installation = new Installation(connection.ConnectionString, sales, sales + "_identity", TestPasswords);
        await installation.BootstrapAndMigrateAsync();
        return installation;
    }

    public Installation WithPassword(DatabaseRole role, string password) =>
        this with { Passwords = new Dictionary<DatabaseRole, string>(Passwords) { [role] = password } };

    /// <summary>What the migration service does at every start.</summary>
    public async Task BootstrapAndMigrateAsync()
    {
        await new DatabaseRoleBootstrap(SuperuserConnectionString, NullLogger<DatabaseRoleBootstrap>.Instance)
            .ApplyAsync(new DatabaseRoleSetup(SalesDatabase, IdentityDatabase, Passwords), TestContext.Current.CancellationToken);
        await using var migrations = DataSource(DatabaseRole.Migrations);
        await new DatabaseMigrator(migrations, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(Fixtures.SalesDatabase.Today, TestContext.Current.CancellationToken);
    }

    /// <summary>A connection as <paramref name="role"/> to <paramref name="database"/> (default: the sales database). No pooling: passwords change.</summary>
    public NpgsqlDataSource DataSource(DatabaseRole role, string? database = null) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(SuperuserConnectionString)
        {
            Username = DatabaseRoles.NameOf(role),
            Password = Passwords[role],
            Database = database ?? SalesDatabase,
            Pooling = false,
        }.ConnectionString);

    /// <summary>The superuser's connection string for <paramref name="database"/>.</summary>
    public string Superuser(string database) => new NpgsqlConnectionStringBuilder(SuperuserConnectionString) { Database = database }.ConnectionString;
}
