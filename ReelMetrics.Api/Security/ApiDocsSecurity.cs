using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace ReelMetrics.Api.Security;

/// <summary>
/// How the OpenAPI document and the reference page (Scalar) deal with sign-in: the document declares a bearer scheme
/// and, when the identity service is known, an OAuth 2.0 authorization code flow, and each operation says which it
/// needs; the page obtains a token with that flow (client <see cref="SecurityExtensions.DocsClientId"/>, PKCE).
/// </summary>
public static class ApiDocsSecurity
{
    public const string BearerSchemeName = "Bearer";
    public const string OAuth2SchemeName = "OAuth2";

    private static readonly string[] Scopes = ["openid", "profile", "roles", SecurityExtensions.ApiScope];

    /// <summary>Adds the security schemes to the <c>v1</c> document; <paramref name="identity"/> is the identity service's base URL.</summary>
    internal static IServiceCollection AddApiDocsSecurity(this IServiceCollection services, Uri? identity) =>
        services.Configure<OpenApiOptions>("v1", options => options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any()) return Task.CompletedTask;

            var document = context.Document!;
            document.AddComponent(BearerSchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = $"An access token of the identity service for the audience `{SecurityExtensions.Audience}` (docs/api.md says how to get one).",
            });
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSchemeName, document)] = [] });
            if (identity is not null)
            {
                document.AddComponent(OAuth2SchemeName, new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.OAuth2,
                    Description = "Sign in with the identity service (authorization code with PKCE).",
                    Flows = new OpenApiOAuthFlows
                    {
                        AuthorizationCode = new OpenApiOAuthFlow
                        {
                            AuthorizationUrl = new Uri(identity, "connect/authorize"),
                            TokenUrl = new Uri(identity, "connect/token"),
                            RefreshUrl = new Uri(identity, "connect/token"),
                            Scopes = new Dictionary<string, string>
                            {
                                ["openid"] = "Who you are.",
                                ["profile"] = "Your name.",
                                ["roles"] = "Your roles.",
                                [SecurityExtensions.ApiScope] = "Read the ReelMetrics APIs.",
                            },
                        },
                    },
                });
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(OAuth2SchemeName, document)] = [SecurityExtensions.ApiScope],
                });
            }
            var role = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null) ?? Policies.Viewer;
            var needs = Policies.MinimumRole.TryGetValue(role, out var minimum) ? $"the {minimum} role or above" : "a signed-in user";
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No valid access token (or live ticket) was sent." });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"The token's user lacks {needs}." });
            return Task.CompletedTask;
        }));

    /// <summary>
    /// Maps the OpenAPI document (<c>/openapi/v1.json</c>) and the reference page (<c>/scalar</c>) for signed-in users;
    /// the page signs in to the identity service itself to try the API.
    /// </summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapOpenApi().RequireAuthorization(SecurityExtensions.DocsPolicy);
        app.MapScalarApiReference((options, context) => options
                .AddPreferredSecuritySchemes(OAuth2SchemeName, BearerSchemeName)
                .AddAuthorizationCodeFlow(OAuth2SchemeName, flow =>
                {
                    flow.ClientId = SecurityExtensions.DocsClientId;
                    flow.Pkce = Pkce.Sha256;
                    flow.SelectedScopes = Scopes;
                    // One fixed address per API for the identity service to allow, whichever document is shown.
                    flow.RedirectUri = $"{context.Request.Scheme}://{context.Request.Host}/scalar/";
                }))
            .RequireAuthorization(SecurityExtensions.DocsPolicy);
        return app;
    }
}
