using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ReelMetrics.Api.DeadLetters;

public static class DeadLetterConsoleExtensions
{
    /// <summary>Registers the dead-letter console (routes <c>/dead-letters</c>) over the backend's <typeparamref name="TStore"/>.</summary>
    public static IHostApplicationBuilder AddDeadLetterConsole<TStore>(this IHostApplicationBuilder builder)
        where TStore : class, IDeadLetterStore
    {
        builder.Services.AddScoped<IDeadLetterStore, TStore>();
        builder.Services.AddScoped<DeadLetterConsole>();
        return builder;
    }
}
