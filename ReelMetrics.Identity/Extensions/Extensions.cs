using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ReelMetrics.Contracts;
using ReelMetrics.Identity.Account;
using ReelMetrics.Identity.Clients;
using ReelMetrics.Identity.Connect;
using ReelMetrics.Identity.Data;
using ReelMetrics.Identity.Tokens;

namespace ReelMetrics.Identity.Extensions;

public static class Extensions
{
    private const string CorsPolicy = "browser-clients";

    /// <summary>
    /// Adds the identity service: ASP.NET Core Identity and OpenIddict on the <c>identitydb</c> database, the sign-in
    /// page's antiforgery, CORS for our browser clients, the sign-in rate limit, and the start-up seeding.
    /// </summary>
    public static IHostApplicationBuilder AddIdentityServices(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(IdentitySettings.SectionName);
        var settings = section.Get<IdentitySettings>() ?? new();
        builder.Services.AddOptions<IdentitySettings>().Bind(section)
            .Validate(s => s.MachineClients.Values.All(c => !string.IsNullOrEmpty(c.Secret) && Roles.All.Contains(c.Role)),
                $"Every Identity:MachineClients entry needs a Secret and a Role ({string.Join(", ", Roles.All)}).")
            .ValidateOnStart();

        builder.AddNpgsqlDbContext<IdentityStore>(IdentityStore.ConnectionName,
            configureDbContextOptions: options => options.UseOpenIddict());

        builder.Services.AddIdentity<IdentityUser, IdentityRole>(options =>
            {
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = settings.Lockout.MaxFailedAttempts;
                options.Lockout.DefaultLockoutTimeSpan = settings.Lockout.Duration;
                // Long generated passwords are what we expect; symbols are not required to make them strong.
                options.Password.RequiredLength = 12;
                options.Password.RequireNonAlphanumeric = false;
                options.User.RequireUniqueEmail = false;
            })
            .AddEntityFrameworkStores<IdentityStore>();
        builder.Services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = AccountEndpoints.SignInPath;
            options.Cookie.Name = "reelmetrics.identity";
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
        });

        builder.Services.AddOpenIddictServer(settings);
        builder.Services.AddScoped<TokenPrincipals>();
        builder.Services.AddScoped<Credentials>();
        builder.Services.AddHostedService<IdentityStoreInitializer>();

        builder.Services.AddAntiforgery(options => options.Cookie.Name = "reelmetrics.antiforgery");
        builder.Services.AddCors(options => options.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins([.. settings.BrowserOrigins]).AllowAnyHeader().WithMethods(HttpMethods.Get, HttpMethods.Post)));
        builder.Services.AddSignInRateLimit(settings.SignInRateLimit);
        builder.Services.AddProblemDetails();
        return builder;
    }

    private static void AddOpenIddictServer(this IServiceCollection services, IdentitySettings settings) =>
        services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<IdentityStore>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris(ConnectEndpoints.AuthorizePath)
                    .SetTokenEndpointUris(ConnectEndpoints.TokenPath)
                    .SetEndSessionEndpointUris(ConnectEndpoints.EndSessionPath)
                    .SetUserInfoEndpointUris(ConnectEndpoints.UserInfoPath);

                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .AllowPasswordFlow();   // only reelmetrics-cli holds the permission (ClientCatalog)

                options.RegisterScopes(ClientCatalog.AllScopes);
                options.SetAccessTokenLifetime(settings.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(settings.RefreshTokenLifetime);
                if (settings.Issuer is { } issuer)
                {
                    options.SetIssuer(issuer);
                }

                if (settings.SigningKeys == SigningKeySource.Ephemeral)
                {
                    options.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                }
                else
                {
                    options.AddDevelopmentEncryptionCertificate().AddDevelopmentSigningCertificate();
                }

                // Plain signed JWTs, so the APIs validate them with Microsoft's JwtBearer handler and the JWKS alone.
                options.DisableAccessTokenEncryption();

                options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    // Local runs are plain HTTP, as every other ReelMetrics service.
                    .DisableTransportSecurityRequirement();
            });

    /// <summary>Security headers, CORS, the rate limit, authentication, and the account and OpenID Connect endpoints.</summary>
    public static WebApplication MapIdentityEndpoints(this WebApplication app)
    {
        app.UseSecurityHeaders(app.Services.GetRequiredService<IOptions<IdentitySettings>>().Value);
        app.UseRouting();
        app.UseCors(CorsPolicy);
        // Before authentication: OpenIddict answers rejected token requests there, and those must count too.
        app.UseTokenRequestForm(Connect.ConnectEndpoints.TokenPath);
        app.UseRateLimiter();
        app.UseAuthentication();
        app.MapAccountEndpoints();
        app.MapConnectEndpoints();
        return app;
    }
}
