namespace ReelMetrics.AppHost;

public static class ServiceSettings
{
    /// <summary>
    /// Hands <paramref name="settings"/> (a section of <see cref="AppHostSettings"/>, keys relative to it) to a service as
    /// its configuration section <paramref name="serviceSection"/>: <c>Rate</c> becomes <c>Generator__Rate</c>.
    /// </summary>
    public static IResourceBuilder<T> WithSettingsFrom<T>(
        this IResourceBuilder<T> builder, IReadOnlyDictionary<string, string> settings, string serviceSection)
        where T : IResourceWithEnvironment =>
        builder.WithEnvironment(context =>
        {
            foreach (var (key, value) in settings)
            {
                context.EnvironmentVariables[$"{serviceSection}__{key.Replace(":", "__", StringComparison.Ordinal)}"] = value;
            }
        });
}
