using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Contracts;
using Scalar.AspNetCore;

namespace ReelMetrics.Api;

public static class ApiExtensions
{
    /// <summary>Registers what the shared REST contract needs: JSON (snake_case), problem details, OpenAPI.</summary>
    public static IHostApplicationBuilder AddReelMetricsApi<TReadModel>(this IHostApplicationBuilder builder)
        where TReadModel : class, ISalesReadModel
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractJson.Default);
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddScoped<ISalesReadModel, TReadModel>();
        return builder;
    }

    /// <summary>Maps the REST contract both backends serve, and its OpenAPI document and reference page.</summary>
    public static WebApplication MapReelMetricsApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapTheatersApi();
        return app;
    }
}
