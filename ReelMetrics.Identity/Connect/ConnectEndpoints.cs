using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using ReelMetrics.Identity.Account;
using ReelMetrics.Identity.Extensions;
using ReelMetrics.Identity.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ReelMetrics.Identity.Connect;

/// <summary>
/// The OpenID Connect endpoints OpenIddict passes through to us once it has validated the request (client, redirect
/// URI, PKCE, grant type permissions): we decide who the user is and what goes into their tokens.
/// </summary>
public static class ConnectEndpoints
{
    public const string AuthorizePath = "/connect/authorize";
    public const string TokenPath = "/connect/token";
    public const string EndSessionPath = "/connect/endsession";
    public const string UserInfoPath = "/connect/userinfo";

    public static IEndpointRouteBuilder MapConnectEndpoints(this IEndpointRouteBuilder app)
    {
        string[] getOrPost = [HttpMethods.Get, HttpMethods.Post];
        app.MapMethods(AuthorizePath, getOrPost, AuthorizeAsync).DisableAntiforgery().ExcludeFromDescription();
        app.MapPost(TokenPath, ExchangeAsync).RequireRateLimiting(SignInRateLimit.PolicyName).DisableAntiforgery().ExcludeFromDescription();
        app.MapMethods(EndSessionPath, getOrPost, EndSessionAsync).DisableAntiforgery().ExcludeFromDescription();
        app.MapMethods(UserInfoPath, getOrPost, UserInfoAsync).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext context, UserManager<IdentityUser> users, SignInManager<IdentityUser> signIns, TokenPrincipals principals)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict passed no request.");
        var cookie = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = cookie.Succeeded ? await users.GetUserAsync(cookie.Principal) : null;

        if (user is null || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Reject(Errors.LoginRequired, "The user is not signed in.");
            }

            // Back here after the sign-in page, with the same parameters less prompt=login (which would loop).
            var parameters = (context.Request.HasFormContentType ? context.Request.Form.ToList() : context.Request.Query.ToList())
                .Where(parameter => parameter.Key != Parameters.Prompt);
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + QueryString.Create(parameters) },
                [IdentityConstants.ApplicationScheme]);
        }

        if (!await signIns.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
        {
            return Reject(Errors.AccessDenied, "The user may not sign in.");
        }

        return SignIn(await principals.ForUserAsync(user, request.GetScopes()));
    }

    private static async Task<IResult> ExchangeAsync(
        HttpContext context, UserManager<IdentityUser> users, SignInManager<IdentityUser> signIns,
        Credentials credentials, TokenPrincipals principals, IOptions<IdentitySettings> settings)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict passed no request.");

        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has checked the client's secret; its role comes from the settings.
            var role = settings.Value.MachineClients.GetValueOrDefault(request.ClientId ?? "")?.Role;
            return role is null
                ? Reject(Errors.UnauthorizedClient, "The client has no role.")
                : SignIn(TokenPrincipals.ForMachine(request.ClientId!, role, request.GetScopes()));
        }

        if (request.IsPasswordGrantType())
        {
            var user = await credentials.VerifyAsync(request.Username, request.Password);
            return user is null
                ? Reject(Errors.InvalidGrant, AccountEndpoints.SignInFailed)
                : SignIn(await principals.ForUserAsync(user, request.GetScopes()));
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // The code or refresh token is valid (OpenIddict checked it); the user must still exist and be allowed in,
            // and gets the roles they have now.
            var granted = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var user = await users.FindByIdAsync(granted?.GetClaim(Claims.Subject) ?? "");
            if (granted is null || user is null || !await signIns.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
            {
                return Reject(Errors.InvalidGrant, "The token is no longer valid.");
            }

            return SignIn(await principals.ForUserAsync(user, granted.GetScopes()));
        }

        return Reject(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static async Task<IResult> EndSessionAsync(SignInManager<IdentityUser> signIns)
    {
        await signIns.SignOutAsync();
        // OpenIddict redirects to the client's post_logout_redirect_uri when it is registered; otherwise here.
        return Results.SignOut(
            new AuthenticationProperties { RedirectUri = AccountEndpoints.SignInPath },
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<IResult> UserInfoAsync(HttpContext context, UserManager<IdentityUser> users)
    {
        var token = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        var user = token is null ? null : await users.FindByIdAsync(token.GetClaim(Claims.Subject) ?? "");
        if (token is null || user is null)
        {
            return Results.Challenge(
                Properties(Errors.InvalidToken, "The access token is not valid for a user."),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = await users.GetUserIdAsync(user) };
        if (token.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = await users.GetUserNameAsync(user) ?? "";
            claims[Claims.PreferredUsername] = claims[Claims.Name];
        }
        if (token.HasScope(Scopes.Roles))
        {
            claims[Claims.Role] = await users.GetRolesAsync(user);
        }

        return Results.Ok(claims);
    }

    private static IResult SignIn(System.Security.Claims.ClaimsPrincipal principal) =>
        Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

    /// <summary>An OAuth error response (e.g. 400 <c>invalid_grant</c> from the token endpoint), written by OpenIddict.</summary>
    private static IResult Reject(string error, string description) =>
        Results.Forbid(Properties(error, description), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static AuthenticationProperties Properties(string error, string description) => new(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    });
}
