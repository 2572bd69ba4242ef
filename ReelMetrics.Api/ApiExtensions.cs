using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Api.Apis;
using ReelMetrics.Api.Caching;
using ReelMetrics.Api.Live;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Api.Protection;
using ReelMetrics.Api.Security;
using ReelMetrics.Contracts;
using StackExchange.Redis;

namespace ReelMetrics.Api;

public static class ApiExtensions
{
    /// <summary>The connection name of Redis, which holds the live aggregates the consumer maintains.</summary>
    public const string RedisConnectionName = ConnectionNames.Redis;

    /// <summary>
    /// Registers what the shared REST contract needs around the backend's <typeparamref name="TReadModel"/>:
    /// options (<c>Api</c> section), the Redis client (short timeouts: a slow cache must not slow the API, it only
    /// sends reads to PostgreSQL), the live cache and its health check, the catalog cache, the live stream,
    /// JSON (snake_case), problem details (503 when PostgreSQL does not answer), OpenAPI and the abuse limits
    /// (<see cref="ProtectionExtensions.AddReelMetricsProtection"/>).
    /// </summary>
    public static IHostApplicationBuilder AddReelMetricsApi<TReadModel>(this IHostApplicationBuilder builder)
        where TReadModel : class, ISalesReadModel
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(RedisConnectionName)))
        {
            builder.AddRedisClient(RedisConnectionName,
                settings => settings.DisableHealthChecks = true,   // LiveCacheHealthCheck reports Redis, as Degraded
                options =>
                {
                    options.ConnectTimeout = 2_000;
                    options.AsyncTimeout = 1_000;
                    options.SyncTimeout = 1_000;
                    options.BacklogPolicy = BacklogPolicy.FailFast;   // while disconnected, fail at once instead of queueing
                });
        }
        builder.Services.AddHealthChecks().AddCheck<LiveCacheHealthCheck>("live-cache", HealthStatus.Degraded);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<LiveSalesCache>();
        builder.Services.AddSingleton<SalesUpdates>();
        builder.Services.AddScoped<ISalesReadModel, TReadModel>();
        builder.Services.AddScoped<SalesQueries>();
        builder.Services.AddSingleton<LiveTotalsBroadcaster>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LiveTotalsBroadcaster>());
        builder.Services.AddSingleton<LiveTotalsStream>();

        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // Numbers are numbers: Web defaults would also read them from strings, which OpenAPI then documents.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractJson.Default);
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        builder.Services.AddReelMetricsOpenApi();
        builder.AddReelMetricsAuth();
        builder.AddReelMetricsProtection();
        return builder;
    }

    /// <summary>
    /// Maps the REST contract both backends serve (docs/api.md), its OpenAPI document (<c>/openapi/v1.json</c>)
    /// and reference page (<c>/scalar</c>), all for signed-in users only (Security/SecurityExtensions.cs). Errors,
    /// unmatched routes, 401 and 403 included, are problem details.
    /// </summary>
    public static WebApplication MapReelMetricsApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseReelMetricsProtection();       // security headers, request size limit
        app.UseReelMetricsAuthentication();
        app.UseReelMetricsRateLimits();       // rate limits (by user, so after authentication; before authorization, so floods of 401s are limited too), request timeouts
        app.UseReelMetricsAuthorization();
        app.MapApiReference();
        app.MapTheatersApi();
        app.MapMoviesApi();
        app.MapLeaderboardsApi();
        app.MapSalesApi();
        app.MapBusinessDayApi();
        app.MapLiveApi();
        app.MapLiveTicketsApi();
        app.MapDeadLettersApi();
        app.MapStatusApi();
        app.MapAlertsApi();
        return app;
    }
}
