using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using ReelMetrics.Contracts;

namespace ReelMetrics.Api.Security;

/// <summary>
/// Who may call the API. Bearer access tokens of the identity service (JWT, audience <see cref="Audience"/>) on every
/// route; a single-use ticket on <c>GET /live</c> for browsers; and for a person's browser on the reference page
/// (<c>/scalar</c>, <c>/openapi</c>) a cookie obtained by signing in with OpenID Connect. Every route needs the
/// <see cref="Policies.Viewer"/> policy unless it names another; <c>/health</c> and <c>/alive</c> stay open.
/// </summary>
public static class SecurityExtensions
{
    /// <summary>The standard section JwtBearer binds: <c>Authority</c>, <c>ValidAudiences</c>, <c>SigningKeys</c>…</summary>
    public const string BearerSection = "Authentication:Schemes:Bearer";

    /// <summary>The audience of the identity service's access tokens for the APIs.</summary>
    public const string Audience = "reelmetrics-api";

    /// <summary>The identity service's client for the reference page (public, authorization code + PKCE).</summary>
    public const string DocsClientId = "reelmetrics-api-docs";

    /// <summary>The scope that asks the identity service for an access token to the APIs.</summary>
    public const string ApiScope = "reelmetrics.api";

    public const string NameClaimType = "name";
    public const string RoleClaimType = "role";

    /// <summary>The policy of the reference page and the OpenAPI document: any signed-in user.</summary>
    public const string DocsPolicy = "ApiDocs";

    /// <summary>Picks one of the schemes below for each request.</summary>
    private const string SelectorScheme = "ReelMetrics";
    private const string DocsCookieScheme = "ApiDocsCookie";
    private const string DocsSignInScheme = "ApiDocsOpenIdConnect";

    /// <summary>
    /// Registers authentication (bearer, live tickets, and sign-in for the reference page when an authority is
    /// configured) and the policies of <see cref="Policies"/>. Refuses to start when no authority and no signing key
    /// is configured, unless <c>Api:AllowAnonymousReads</c> is on.
    /// </summary>
    public static IHostApplicationBuilder AddReelMetricsAuth(this IHostApplicationBuilder builder)
    {
        var api = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        var bearer = builder.Configuration.GetSection(BearerSection);
        var authority = bearer["Authority"];
        var canValidateTokens = !string.IsNullOrEmpty(authority) || !string.IsNullOrEmpty(bearer["MetadataAddress"])
            || bearer.GetSection("SigningKeys").GetChildren().Any();
        if (!canValidateTokens && !api.AllowAnonymousReads)
        {
            throw new InvalidOperationException(
                $"The API cannot check access tokens: set {BearerSection}:Authority to the identity service's URL " +
                $"(the AppHost does), or {BearerSection}:SigningKeys. To serve reads to anyone instead, for a demo, set " +
                $"{ApiOptions.Section}:{nameof(ApiOptions.AllowAnonymousReads)}=true.");
        }
        var docsSignIn = !string.IsNullOrEmpty(authority);

        var authentication = builder.Services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "Bearer token, live ticket or reference-page cookie", options =>
                options.ForwardDefaultSelector = context => SchemeFor(context.Request, docsSignIn))
            .AddJwtBearer(options =>
            {
                // After the configuration section is bound (JwtBearer registers its binder before this delegate).
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = NameClaimType;
                options.TokenValidationParameters.RoleClaimType = RoleClaimType;
                options.TokenValidationParameters.ValidateIssuer = true;
                options.TokenValidationParameters.ValidateAudience = true;
                options.TokenValidationParameters.ClockSkew = TimeSpan.FromMinutes(1);
                if (options.TokenValidationParameters.ValidAudiences?.Any() != true) options.TokenValidationParameters.ValidAudience ??= Audience;
            })
            .AddScheme<AuthenticationSchemeOptions, LiveTicketHandler>(LiveTicketHandler.SchemeName, null);
        if (docsSignIn)
        {
            authentication
                .AddCookie(DocsCookieScheme, options =>
                {
                    options.Cookie.Name = ".ReelMetrics.ApiDocs";
                    options.Cookie.SameSite = SameSiteMode.Lax;
                    options.ExpireTimeSpan = TimeSpan.FromHours(1);
                    options.ForwardChallenge = DocsSignInScheme;
                    options.Events.OnRedirectToAccessDenied = context =>
                    {
                        context.Response.StatusCode = StatusCodes.Status403Forbidden;
                        return Task.CompletedTask;
                    };
                })
                .AddOpenIdConnect(DocsSignInScheme, options =>
                {
                    options.Authority = authority;
                    options.RequireHttpsMetadata = bearer.GetValue("RequireHttpsMetadata", true);
                    options.ClientId = DocsClientId;
                    options.ResponseType = OpenIdConnectResponseType.Code;
                    options.UsePkce = true;
                    options.PushedAuthorizationBehavior = PushedAuthorizationBehavior.Disable;
                    options.Scope.Add("roles");
                    options.GetClaimsFromUserInfoEndpoint = true;
                    options.MapInboundClaims = false;
                    options.TokenValidationParameters.NameClaimType = NameClaimType;
                    options.TokenValidationParameters.RoleClaimType = RoleClaimType;
                    options.SignInScheme = DocsCookieScheme;
                });
        }

        builder.Services.AddAuthorization(options =>
        {
            var viewer = RolePolicy(Roles.Viewer, api.AllowAnonymousReads);
            options.AddPolicy(Policies.Viewer, viewer);
            options.AddPolicy(Policies.Operator, RolePolicy(Roles.Operator, anonymous: false));
            options.AddPolicy(Policies.Admin, RolePolicy(Roles.Admin, anonymous: false));
            options.AddPolicy(DocsPolicy, api.AllowAnonymousReads ? Anyone() : new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
            options.DefaultPolicy = viewer;
            options.FallbackPolicy = viewer;   // a route that names no policy is still for viewers
        });
        builder.Services.AddSingleton<LiveTickets>();
        builder.Services.AddSingleton<IConfigureOptions<ProblemDetailsOptions>, AuthenticationProblems>();
        builder.Services.AddApiDocsSecurity(docsSignIn ? new Uri(authority!.TrimEnd('/') + "/") : null);
        return builder;
    }

    /// <summary>
    /// Signs requests in (<c>UseAuthentication</c>). Comes after the exception handler and the status code pages, so a
    /// 401 or 403 is answered as problem details, and before anything that needs to know the user (rate limiting).
    /// </summary>
    public static WebApplication UseReelMetricsAuthentication(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.AllowAnonymousReads)
        {
            app.Logger.LogWarning("{Setting} is on: anyone who can reach this API reads its sales without signing in. Turn it off outside demos.",
                $"{ApiOptions.Section}:{nameof(ApiOptions.AllowAnonymousReads)}");
        }
        app.UseAuthentication();
        return app;
    }

    /// <summary>Enforces the policies (<c>UseAuthorization</c>): after routing and authentication, before the endpoints.</summary>
    public static WebApplication UseReelMetricsAuthorization(this WebApplication app)
    {
        app.UseAuthorization();
        return app;
    }

    private static string SchemeFor(HttpRequest request, bool docsSignIn)
    {
        if (request.Path.Equals("/live", StringComparison.OrdinalIgnoreCase) && request.Query.ContainsKey(LiveTicketHandler.QueryName))
        {
            return LiveTicketHandler.SchemeName;
        }
        if (docsSignIn && request.Headers.Authorization.Count == 0
            && (request.Path.StartsWithSegments("/scalar") || request.Path.StartsWithSegments("/openapi")))
        {
            return DocsCookieScheme;   // a person's browser: its cookie, or a redirect to sign in
        }
        return JwtBearerDefaults.AuthenticationScheme;
    }

    private static AuthorizationPolicy RolePolicy(string role, bool anonymous) => anonymous
        ? Anyone()
        : new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(Roles.AtLeast(role)).Build();

    private static AuthorizationPolicy Anyone() => new AuthorizationPolicyBuilder().RequireAssertion(_ => true).Build();

    /// <summary>Says in a 401 or 403 problem what to do about it.</summary>
    private sealed class AuthenticationProblems : IConfigureOptions<ProblemDetailsOptions>
    {
        public void Configure(ProblemDetailsOptions options)
        {
            var previous = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
                {
                    StatusCodes.Status401Unauthorized =>
                        "Sign in: send an access token of the identity service as 'Authorization: Bearer <token>' (see docs/api.md).",
                    StatusCodes.Status403Forbidden => "Your role does not allow this.",
                    _ => null,
                };
            };
        }
    }
}
