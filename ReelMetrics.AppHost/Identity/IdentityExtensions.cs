using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReelMetrics.AppHost.Infrastructure;
using ReelMetrics.Database.Roles;

namespace ReelMetrics.AppHost.Identity;

/// <summary>
/// The identity service (OpenID Connect provider) and what the other resources need to know about it. Its settings
/// travel as the service's configuration section <c>Identity</c>; every secret is an AppHost parameter with a
/// generated default, kept in the AppHost's user secrets so it stays the same from one run to the next.
/// </summary>
public static class IdentityExtensions
{
    /// <summary>The audience of every access token the identity service issues.</summary>
    public const string ApiAudience = "reelmetrics-api";

    /// <summary>The machine client the AppHost registers: reads reports with the viewer role.</summary>
    public const string ReportsClient = "reelmetrics-reports";

    private static readonly string[] DemoUsers = ["viewer", "operator", "admin"];

    // Letters and digits only: a person copies these from the console; 20 characters are strong enough without symbols.
    private static readonly GenerateParameterDefault GeneratedPassword = new()
    {
        MinLength = 20, Special = false, MinLower = 1, MinUpper = 1, MinNumeric = 1,
    };

    /// <summary>
    /// Adds the identity service on <paramref name="database"/>, with one generated password parameter per demo user
    /// (<c>viewer-password</c>, …) and the <c>reelmetrics-reports</c> client's secret (<c>reports-client-secret</c>).
    /// The demo users and their passwords are written to the AppHost console when the service is ready.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddIdentityService(
        this IDistributedApplicationBuilder builder, string name, int port, IResourceBuilder<IResourceWithConnectionString> database,
        IResourceBuilder<ProjectResource> migrations)
    {
        // The migration service creates the identity's database role and hands it its database.
        var identity = builder.AddProject<Projects.ReelMetrics_Identity>(name)
            .WithHttpEndpoint(port: port, name: "http").WithHttpHealthCheck("/health")
            .WithDatabaseRole(database, DatabaseRole.Identity).WaitFor(database).WaitForCompletion(migrations);
        // One issuer however a client reaches it: the APIs compare it with the one in their tokens.
        identity.WithEnvironment("Identity__Issuer", identity.GetEndpoint("http"));

        var passwords = DemoUsers.ToDictionary(user => user, user =>
            builder.AddParameter($"{user}-password", GeneratedPassword, secret: true, persist: true));
        foreach (var (user, password) in passwords)
        {
            identity.WithEnvironment($"Identity__DemoUsers__{user}__Password", password);
        }

        var reportsSecret = builder.AddParameter("reports-client-secret", GeneratedPassword, secret: true, persist: true);
        identity
            .WithEnvironment($"Identity__MachineClients__{ReportsClient}__Secret", reportsSecret)
            .WithEnvironment($"Identity__MachineClients__{ReportsClient}__Role", "viewer");

        return identity.OnResourceReady(async (resource, @event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ReelMetrics.AppHost");
            var url = await resource.GetEndpoint("http").GetValueAsync(cancellationToken);
            foreach (var (user, password) in passwords)
            {
                logger.LogInformation("Demo user {User}, password {Password} (sign in at {Url}/account/signin)",
                    user, await password.Resource.GetValueAsync(cancellationToken), url);
            }
        });
    }

    /// <summary>Lets the dashboard served by <paramref name="frontend"/> sign in (its origin is a redirect URI and a CORS origin).</summary>
    public static IResourceBuilder<ProjectResource> WithDashboard<T>(
        this IResourceBuilder<ProjectResource> identity, IResourceBuilder<T> frontend) where T : IResourceWithEndpoints =>
        identity.WithEnvironment("Identity__DashboardOrigins__0", frontend.GetEndpoint("http"));

    /// <summary>Lets each API's OpenAPI page (Scalar) sign in with the <c>reelmetrics-api-docs</c> client.</summary>
    public static IResourceBuilder<ProjectResource> WithApiDocs(
        this IResourceBuilder<ProjectResource> identity, params IResourceBuilder<ProjectResource>[] apis)
    {
        for (var i = 0; i < apis.Length; i++)
        {
            identity.WithEnvironment($"Identity__ApiOrigins__{i}", apis[i].GetEndpoint("http"));
        }
        return identity;
    }

    /// <summary>
    /// Makes an API accept the identity service's access tokens: the standard JwtBearer section
    /// <c>Authentication:Schemes:Bearer</c> (authority, audience; plain HTTP in local runs).
    /// </summary>
    public static IResourceBuilder<T> WithIdentity<T>(this IResourceBuilder<T> api, IResourceBuilder<ProjectResource> identity)
        where T : IResourceWithEnvironment =>
        // The trailing slash: the API builds the OpenAPI document's OAuth URLs relative to the authority.
        api.WithEnvironment("Authentication__Schemes__Bearer__Authority", ReferenceExpression.Create($"{identity.GetEndpoint("http")}/"))
            .WithEnvironment("Authentication__Schemes__Bearer__ValidAudiences__0", ApiAudience)
            .WithEnvironment("Authentication__Schemes__Bearer__RequireHttpsMetadata", "false");

    /// <summary>Tells the dashboard where to sign in (<c>REELMETRICS_IDENTITY_URL</c>; a name without hyphens survives <c>sh</c>).</summary>
    public static IResourceBuilder<ExecutableResource> WithIdentityUrl(
        this IResourceBuilder<ExecutableResource> frontend, IResourceBuilder<ProjectResource> identity) =>
        frontend.WithEnvironment("REELMETRICS_IDENTITY_URL", identity.GetEndpoint("http"));
}
