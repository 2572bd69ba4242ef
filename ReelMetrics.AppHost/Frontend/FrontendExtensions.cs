namespace ReelMetrics.AppHost.Frontend;

/// <summary>How the AppHost serves the React dashboard (configuration <c>ReelMetrics:Frontend:Mode</c>).</summary>
public enum FrontendMode
{
    /// <summary><c>vite</c> dev server: hot reload while working on the dashboard.</summary>
    Development,

    /// <summary><c>vite build</c> once, then <c>vite preview</c> serves the production bundle (minified, no dev tooling).</summary>
    Production,
}

public static class FrontendExtensions
{
    /// <summary>
    /// Adds the React dashboard (there is no Aspire JavaScript hosting package here): an installer step
    /// runs to completion first, <c>npm ci</c> from the committed lock file when node_modules is missing or was
    /// installed from another lock file (<c>frontend/scripts/install-packages.mjs</c>); in <see cref="FrontendMode.Development"/> <c>npm run dev</c>
    /// serves on <paramref name="port"/>, in <see cref="FrontendMode.Production"/> a build step runs
    /// <c>npm run build</c> and <c>npm run preview</c> serves the bundle. References to APIs reach Vite's proxy
    /// (the same in both) as <c>services__&lt;api&gt;__http__0</c>; the browser only ever talks to the frontend's origin.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddViteFrontend(
        this IDistributedApplicationBuilder builder, string name, string directory, int port, FrontendMode mode)
    {
        var workingDirectory = Path.GetFullPath(directory, builder.AppHostDirectory);
        var script = mode == FrontendMode.Production ? "preview" : "dev";
        var frontend = builder.AddExecutable(name, "npm", workingDirectory, "run", script, "--")
            // Vite ignores PORT: the port goes on its command line, and --strictPort fails loudly instead of moving.
            .WithHttpEndpoint(port: port, targetPort: port, name: "http", isProxied: false)
            // Healthy only once Vite answers: npm starting is not the dashboard serving (browser tests raced it).
            .WithHttpHealthCheck("/")
            .WithArgs("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--strictPort", "--host", "localhost")
            .WithEnvironment("BROWSER", "none")
            .WithEnvironment("NODE_ENV", mode == FrontendMode.Production ? "production" : "development")
            .WithOtlpExporter();

        var install = builder.AddExecutable($"{name}-install", "node", workingDirectory, "scripts/install-packages.mjs")
            .WithParentRelationship(frontend)
            .ExcludeFromManifest();
        if (mode == FrontendMode.Development)
        {
            return frontend.WaitForCompletion(install);
        }

        var build = builder.AddExecutable($"{name}-build", "npm", workingDirectory, "run", "build")
            .WithParentRelationship(frontend)
            .WaitForCompletion(install)
            .ExcludeFromManifest();
        return frontend.WaitForCompletion(build);
    }

    /// <summary>
    /// Points the frontend's proxy at an API. Besides the usual service-discovery reference, the
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
