using ReelMetrics.Contracts;
using ReelMetrics.Database.Roles;
using ReelMetrics.LocalInfrastructure.Hosting;

namespace ReelMetrics.AppHost.Infrastructure;

/// <summary>
/// Connects each service to PostgreSQL as its own role (see <see cref="DatabaseRole"/>), never as the superuser.
/// Each role's password is a secret parameter <c>db-&lt;role&gt;-password</c>, generated on first run and kept in the
/// AppHost's user secrets (<c>Parameters:db-api-password</c>, …); set one there to change it: the migration service
/// applies it at the next start.
/// </summary>
public static class DatabaseRoleExtensions
{
    /// <summary>
    /// Gives <paramref name="service"/> the connection string <c>ConnectionStrings:&lt;database&gt;</c> of
    /// <paramref name="role"/>. The <see cref="DatabaseRole.Migrations"/> role's service also gets the superuser's
    /// connection (<c>ConnectionStrings:postgres</c>) and every other role's password, because it creates the roles.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDatabaseRole(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> database, DatabaseRole role)
    {
        var (server, databaseName) = database.Resource switch
        {
            PostgresDatabaseResource container => ((IResourceWithConnectionString)container.Parent, container.DatabaseName),
            LocalPostgresDatabaseResource local => (local.Parent, local.DatabaseName),
            _ => throw new ArgumentException($"{database.Resource.Name} is not a PostgreSQL database.", nameof(database)),
        };

        var builder = service.ApplicationBuilder;
        service
            .WithEnvironment($"ConnectionStrings__{database.Resource.Name}", ConnectionString(server, databaseName, role, PasswordOf(builder, role)))
            .WithReferenceRelationship(database.Resource);

        if (role == DatabaseRole.Migrations)
        {
            service.WithEnvironment($"ConnectionStrings__{ConnectionNames.Postgres}", server.ConnectionStringExpression);
            foreach (var other in DatabaseRoles.All.Where(r => r != DatabaseRole.Migrations))
            {
                service.WithEnvironment($"DatabaseRoles__{other}__Password", PasswordOf(builder, other));
            }
        }

        return service;
    }

    /// <summary>The role's password parameter, added on first use.</summary>
    public static ParameterResource PasswordOf(IDistributedApplicationBuilder builder, DatabaseRole role)
    {
        var name = $"db-{role.ToString().ToLowerInvariant()}-password";
        return builder.Resources.OfType<ParameterResource>().SingleOrDefault(p => p.Name == name)
            // No special characters: the value goes into a connection string as it is.
            ?? builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true).Resource;
    }

    private static ReferenceExpression ConnectionString(IResourceWithConnectionString server, string database, DatabaseRole role, ParameterResource password) =>
        server switch
        {
            LocalPostgresServerResource local => ReferenceExpression.Create(
                $"Host=127.0.0.1;Port={local.Endpoint.Property(EndpointProperty.Port)};Username={DatabaseRoles.NameOf(role)};Password={password};Database={database}"),
            PostgresServerResource container => ReferenceExpression.Create(
                $"Host={container.Host};Port={container.Port};Username={DatabaseRoles.NameOf(role)};Password={password};Database={database}"),
            _ => throw new ArgumentException($"{server.Name} is not a PostgreSQL server.", nameof(server)),
        };
}
