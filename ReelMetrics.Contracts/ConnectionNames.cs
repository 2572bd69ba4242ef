namespace ReelMetrics.Contracts;

/// <summary>
/// The names of the connections between the resources, declared once: the AppHost names its resources with them (the
/// connection name equals the resource name), the services ask for <c>ConnectionStrings:&lt;name&gt;</c> with them, and so
/// do the tests.
/// </summary>
public static class ConnectionNames
{
    /// <summary>The Kafka broker that carries <see cref="Topics.TicketSales"/>.</summary>
    public const string Kafka = "kafka";

    /// <summary>The PostgreSQL server; its connection (as the superuser) goes only to the migration service, which creates the roles.</summary>
    public const string Postgres = "postgres";

    /// <summary>The sales database on <see cref="Postgres"/>: catalog, sales, aggregates and dead letters.</summary>
    public const string Database = "reelmetrics";

    /// <summary>The identity service's own database on <see cref="Postgres"/>: users, roles and OpenID Connect clients.</summary>
    public const string IdentityDatabase = "identitydb";

    /// <summary>Redis (or Garnet): the live aggregates.</summary>
    public const string Redis = "redis";
}
