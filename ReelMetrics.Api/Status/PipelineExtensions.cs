using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Api.Alerts;
using ReelMetrics.Api.Live;

namespace ReelMetrics.Api.Status;

public static class PipelineExtensions
{
    /// <summary>
    /// Registers <c>GET /status</c> and the alerts over the backend's <typeparamref name="TStatusReadModel"/> and
    /// <typeparamref name="TAlertStore"/>: thresholds (<c>Api:Status</c>, <c>Api:Alerts</c>), the shared state decision
    /// and rules, the periodic <see cref="AlertEvaluator"/> and the live stream's <see cref="PipelineBroadcaster"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPipelineStatusAndAlerts<TStatusReadModel, TAlertStore>(this IHostApplicationBuilder builder)
        where TStatusReadModel : class, IPipelineStatusReadModel
        where TAlertStore : class, IAlertStore
    {
        builder.Services.AddOptions<StatusOptions>().BindConfiguration(StatusOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<IPipelineStatusReadModel, TStatusReadModel>();
        builder.Services.AddScoped<PipelineStatusQueries>();
        builder.Services.AddScoped<IAlertStore, TAlertStore>();
        builder.Services.AddScoped<AlertRules>();
        builder.Services.AddSingleton<AlertEvaluator>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AlertEvaluator>());
        builder.Services.AddSingleton<PipelineBroadcaster>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PipelineBroadcaster>());
        return builder;
    }
}
