using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ReelMetrics.Identity.Clients;

/// <summary>
/// The clients ReelMetrics knows, built from <see cref="IdentitySettings"/>: the one place that says which client may
/// use which flow, scope and redirect URI.
/// </summary>
public static class ClientCatalog
{
    public const string Dashboard = "reelmetrics-dashboard";
    public const string Cli = "reelmetrics-cli";
    public const string ApiDocs = "reelmetrics-api-docs";

    /// <summary>The API every access token is for (its <c>aud</c>).</summary>
    public const string ApiAudience = "reelmetrics-api";

    /// <summary>The scope that asks for access to the API.</summary>
    public const string ApiScope = "reelmetrics.api";

    /// <summary>Every scope a client may ask for.</summary>
    public static readonly string[] AllScopes = [Scopes.OpenId, Scopes.Profile, Scopes.Roles, Scopes.OfflineAccess, ApiScope];

    /// <summary>Every client the settings describe.</summary>
    public static IEnumerable<OpenIddictApplicationDescriptor> From(IdentitySettings settings)
    {
        yield return BrowserClient(Dashboard, "ReelMetrics dashboard",
            settings.DashboardOrigins.Select(origin => new Uri(origin, "/signin-callback")),
            settings.DashboardOrigins.Select(origin => new Uri(origin, "/")));

        yield return BrowserClient(ApiDocs, "ReelMetrics API reference",
            settings.ApiOrigins.SelectMany(origin => settings.ApiDocsRedirectPaths.Select(path => new Uri(origin, path))),
            settings.ApiOrigins.Select(origin => new Uri(origin, "/scalar/")));

        var cli = new OpenIddictApplicationDescriptor
        {
            ClientId = Cli,
            ClientType = ClientTypes.Public,
            DisplayName = "ReelMetrics command line",
        };
        // The only client allowed to send a user's password: the README's one-liner for the demo viewer.
        AddPermissions(cli, Permissions.Endpoints.Token, Permissions.GrantTypes.Password, Permissions.GrantTypes.RefreshToken);
        yield return cli;

        foreach (var (clientId, machine) in settings.MachineClients)
        {
            var client = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = machine.Secret,
                ClientType = ClientTypes.Confidential,
                DisplayName = clientId,
            };
            AddPermissions(client, Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials);
            yield return client;
        }
    }

    private static OpenIddictApplicationDescriptor BrowserClient(
        string clientId, string displayName, IEnumerable<Uri> redirectUris, IEnumerable<Uri> postLogoutRedirectUris)
    {
        var client = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientType = ClientTypes.Public,
            // First-party clients: no consent screen.
            ConsentType = ConsentTypes.Implicit,
            DisplayName = displayName,
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        client.RedirectUris.UnionWith(redirectUris);
        client.PostLogoutRedirectUris.UnionWith(postLogoutRedirectUris);
        AddPermissions(client,
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code);
        return client;
    }

    private static void AddPermissions(OpenIddictApplicationDescriptor client, params string[] permissions)
    {
        client.Permissions.UnionWith(permissions);
        client.Permissions.UnionWith([
            Permissions.Prefixes.Scope + Scopes.Profile,
            Permissions.Prefixes.Scope + Scopes.Roles,
            Permissions.Prefixes.Scope + ApiScope,
        ]);
    }
}
