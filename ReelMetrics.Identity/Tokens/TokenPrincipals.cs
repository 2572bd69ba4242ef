using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using ReelMetrics.Identity.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ReelMetrics.Identity.Tokens;

/// <summary>
/// Builds the principal OpenIddict turns into tokens: <c>sub</c>, <c>name</c> and one <c>role</c> claim per role, for
/// the API audience, each claim sent only to the tokens that should carry it.
/// </summary>
public sealed class TokenPrincipals(UserManager<IdentityUser> users)
{
    /// <summary>A signed-in user, with the roles they have now (not when their refresh token was issued).</summary>
    public async Task<ClaimsPrincipal> ForUserAsync(IdentityUser user, ImmutableArray<string> scopes)
    {
        var identity = NewIdentity()
            .SetClaim(Claims.Subject, await users.GetUserIdAsync(user))
            .SetClaim(Claims.Name, await users.GetUserNameAsync(user))
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)]);
        return Finish(identity, scopes);
    }

    /// <summary>A machine client acting in its configured role; it is its own subject.</summary>
    public static ClaimsPrincipal ForMachine(string clientId, string role, ImmutableArray<string> scopes)
    {
        var identity = NewIdentity()
            .SetClaim(Claims.Subject, clientId)
            .SetClaim(Claims.Name, clientId)
            .SetClaims(Claims.Role, [role]);
        return Finish(identity, scopes);
    }

    private static ClaimsIdentity NewIdentity() =>
        new(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);

    private static ClaimsPrincipal Finish(ClaimsIdentity identity, ImmutableArray<string> scopes)
    {
        identity.SetScopes(scopes);
        // Every access token is for the API, whether or not the client named its scope.
        identity.SetResources(ClientCatalog.ApiAudience);
        identity.SetDestinations(claim => DestinationsOf(claim, identity));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// The API needs name and roles in every access token; the identity token (what the client itself reads) carries
    /// them only when the client asked for the <c>profile</c> or <c>roles</c> scope.
    /// </summary>
    private static IEnumerable<string> DestinationsOf(Claim claim, ClaimsIdentity identity) => claim.Type switch
    {
        Claims.Name when identity.HasScope(Scopes.Profile) => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.Role when identity.HasScope(Scopes.Roles) => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.Name or Claims.Role => [Destinations.AccessToken],
        Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
        _ => [],
    };
}
