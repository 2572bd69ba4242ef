using Microsoft.Extensions.Configuration;

namespace ReelMetrics.AppHost;

public static class ServiceSettings
{
    /// <summary>
    /// Hands the AppHost's configuration section <paramref name="section"/> to a service as its section
    /// <paramref name="serviceSection"/>, so a person can tune a service from the AppHost's command line,
    /// e.g. <c>dotnet run --project ReelMetrics.AppHost -- ReelMetrics:Generator:Rate=5000</c>.
    /// </summary>
    public static IResourceBuilder<T> WithSettingsFrom<T>(this IResourceBuilder<T> builder, string section, string serviceSection)
        where T : IResourceWithEnvironment
    {
        var settings = builder.ApplicationBuilder.Configuration.GetSection(section);
        return builder.WithEnvironment(context =>
        {
            foreach (var (key, value) in settings.AsEnumerable(makePathsRelative: true))
            {
                if (value is not null)
                {
                    context.EnvironmentVariables[$"{serviceSection}__{key.Replace(":", "__", StringComparison.Ordinal)}"] = value;
                }
            }
        });
    }
}
