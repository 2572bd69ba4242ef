namespace ReelMetrics.Database.Roles;

/// <summary>
/// The PostgreSQL login each part of ReelMetrics connects as. None is a superuser; each may do only what its
/// service needs (see <see cref="DatabasePrivileges"/>).
/// </summary>
public enum DatabaseRole
{
    /// <summary>Owns the sales database and its schema: the migration service creates and alters tables as it.</summary>
    Migrations,

    /// <summary>Reads the catalog and writes what ingestion writes: sales, their aggregates and dead letters.</summary>
    Consumer,

    /// <summary>Reads everything in the sales database, writes nothing: both APIs.</summary>
    Api,

    /// <summary>Reads the showtimes and the seats sold of each: the generator.</summary>
    Generator,

    /// <summary>Owns the identity service's own database and cannot connect to the sales database.</summary>
    Identity,
}

public static class DatabaseRoles
{
    /// <summary>Every role, in the order they are created.</summary>
    public static IReadOnlyList<DatabaseRole> All { get; } = Enum.GetValues<DatabaseRole>();

    /// <summary>The roles that connect to the sales database without owning it.</summary>
    public static IReadOnlyList<DatabaseRole> SalesReaders { get; } = [DatabaseRole.Consumer, DatabaseRole.Api, DatabaseRole.Generator];

    /// <summary>The role's name in PostgreSQL, e.g. <c>reelmetrics_api</c>.</summary>
    public static string NameOf(DatabaseRole role) => "reelmetrics_" + role.ToString().ToLowerInvariant();
}
