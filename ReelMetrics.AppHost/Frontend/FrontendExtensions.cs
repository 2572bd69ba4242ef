namespace ReelMetrics.AppHost.Frontend;

public static class FrontendExtensions
{
    /// <summary>
    /// Adds the React dashboard as a Vite dev server (there is no Aspire JavaScript hosting package
    /// here): an installer step runs <c>npm install</c> to completion first, then <c>npm run dev</c>
    /// serves on <paramref name="port"/>. References to APIs reach Vite's proxy as
    /// <c>services__&lt;api&gt;__http__0</c>; the browser only ever talks to the frontend's origin.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddViteFrontend(
        this IDistributedApplicationBuilder builder, string name, string directory, int port)
    {
        var workingDirectory = Path.GetFullPath(directory, builder.AppHostDirectory);
        var frontend = builder.AddExecutable(name, "npm", workingDirectory, "run", "dev", "--")
            // Vite ignores PORT: the port goes on its command line, and --strictPort fails loudly instead of moving.
            .WithHttpEndpoint(port: port, targetPort: port, name: "http", isProxied: false)
            .WithArgs("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--strictPort", "--host", "localhost")
            .WithEnvironment("BROWSER", "none")
            .WithEnvironment("NODE_ENV", "development")
            .WithOtlpExporter();

        var install = builder.AddExecutable($"{name}-install", "npm", workingDirectory, "install", "--no-audit", "--no-fund")
            .WithParentRelationship(frontend)
            .ExcludeFromManifest();

        return frontend.WaitForCompletion(install);
    }

    /// <summary>
    /// Points the frontend's dev-server proxy at an API. Besides the usual service-discovery reference, the
    /// address goes in <paramref name="variable"/>: <c>npm run</c> starts Vite through <c>sh</c>, which drops
    /// variables with a hyphen in their name, such as <c>services__api-dapper__http__0</c>.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> WithApi(
        this IResourceBuilder<ExecutableResource> frontend, string variable, IResourceBuilder<ProjectResource> api) =>
        frontend
            .WithReference(api)
            .WithEnvironment(variable, api.GetEndpoint("http"))
            .WaitFor(api);
}
