namespace ReelMetrics.AppHost.Tests;

internal static class ModelInspection
{
    /// <summary>
    /// The environment a resource would get when published (values as manifest expressions).
    /// The Aspire API is marked obsolete in favour of ExecutionConfigurationBuilder, which needs a
    /// running execution context; for checking wiring without starting anything this one fits.
    /// </summary>
#pragma warning disable CS0618
    public static ValueTask<Dictionary<string, string>> PublishedEnvironmentAsync(this IResourceWithEnvironment resource) =>
        resource.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);

    /// <summary>The command-line arguments a resource would get when published (same reasoning as above).</summary>
    public static ValueTask<string[]> PublishedArgumentsAsync(this IResourceWithArgs resource) =>
        resource.GetArgumentValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
}
