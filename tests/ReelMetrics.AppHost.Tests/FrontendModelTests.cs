using Microsoft.Extensions.DependencyInjection;

namespace ReelMetrics.AppHost.Tests;

/// <summary>
/// How the AppHost serves the dashboard (<c>ReelMetrics:Frontend:Mode</c>), checked on the model without starting
/// anything: the Vite dev server by default, or a production build served by <c>vite preview</c>.
/// </summary>
public sealed class FrontendModelTests
{
    private static async Task<DistributedApplication> BuildAsync(params string[] settings)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ReelMetrics_AppHost>(
            ["ReelMetrics:Infrastructure=Containers", "ReelMetrics:Ports:Frontend=3123", .. settings], TestContext.Current.CancellationToken);
        return await builder.BuildAsync(TestContext.Current.CancellationToken);
    }

    private static ExecutableResource? Executable(DistributedApplication app, string name) =>
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ExecutableResource>().SingleOrDefault(r => r.Name == name);

    [Fact]
    public async Task ByDefaultTheViteDevServerServesTheDashboardOnceNpmInstallCompleted()
    {
        await using var app = await BuildAsync();
        var frontend = Executable(app, "frontend")!;

        Assert.Equal("npm", frontend.Command);
        Assert.Equal(["run", "dev", "--", "--port", "3123", "--strictPort", "--host", "localhost"], await frontend.PublishedArgumentsAsync());
        Assert.Null(Executable(app, "frontend-build"));
        var wait = Assert.Single(frontend.Annotations.OfType<WaitAnnotation>(), w => w.Resource.Name.StartsWith("frontend", StringComparison.Ordinal));
        Assert.Equal(("frontend-install", WaitType.WaitForCompletion), (wait.Resource.Name, wait.WaitType));
        Assert.Equal("development", (await frontend.PublishedEnvironmentAsync())["NODE_ENV"]);
    }

    [Fact]
    public async Task TheInstallerStepInstallsFromTheCommittedLockFile()
    {
        await using var app = await BuildAsync();
        var install = Executable(app, "frontend-install")!;

        // The script runs `npm ci` when node_modules is missing or stems from another lock file, and nothing otherwise.
        Assert.Equal("node", install.Command);
        Assert.Equal(["scripts/install-packages.mjs"], await install.PublishedArgumentsAsync());
        Assert.True(File.Exists(Path.Combine(install.WorkingDirectory, "scripts", "install-packages.mjs")));
    }

    [Fact]
    public async Task InProductionModeViteBuildsOnceAndPreviewServesTheBundleWithTheSameProxy()
    {
        await using var app = await BuildAsync("ReelMetrics:Frontend:Mode=Production");
        var frontend = Executable(app, "frontend")!;
        var build = Executable(app, "frontend-build")!;

        Assert.Equal(["run", "preview", "--", "--port", "3123", "--strictPort", "--host", "localhost"], await frontend.PublishedArgumentsAsync());
        Assert.Equal(["run", "build"], await build.PublishedArgumentsAsync());
        Assert.Contains(frontend.Annotations.OfType<WaitAnnotation>(), w => w.Resource == build && w.WaitType == WaitType.WaitForCompletion);
        Assert.Contains(build.Annotations.OfType<WaitAnnotation>(), w => w.Resource.Name == "frontend-install" && w.WaitType == WaitType.WaitForCompletion);

        var environment = await frontend.PublishedEnvironmentAsync();
        Assert.Equal("production", environment["NODE_ENV"]);
        Assert.Contains("REELMETRICS_API_DAPPER_URL", environment.Keys);
        Assert.Contains("REELMETRICS_API_EF_URL", environment.Keys);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task TheDashboardCountsAsHealthyOnlyWhenViteAnswersHttp(string mode)
    {
        await using var app = await BuildAsync($"ReelMetrics:Frontend:Mode={mode}");
        var frontend = Executable(app, "frontend")!;

        // Without a health check a resource is healthy as soon as its process runs: npm, not Vite.
        Assert.Single(frontend.Annotations.OfType<HealthCheckAnnotation>());
    }

    [Fact]
    public async Task EveryServiceThatServesIsHealthyOnlyWhenItAnswers()
    {
        await using var app = await BuildAsync();
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        // Steps that run to completion (installers, builds, migrations) are waited for with WaitForCompletion instead.
        string[] steps = ["frontend-install", "frontend-build", "migrations"];
        // Resources started only on demand (Aspire's project rebuilders) never serve.
        var services = model.Resources
            .Where(r => r is ProjectResource or ExecutableResource && !steps.Contains(r.Name) && !r.Annotations.OfType<ExplicitStartupAnnotation>().Any())
            .ToList();

        Assert.Equal(["api-dapper", "api-ef", "consumer", "frontend", "generator", "identity"], services.Select(s => s.Name).Order());

        Assert.NotEmpty(services);
        Assert.All(services, service => Assert.True(service.Annotations.OfType<HealthCheckAnnotation>().Any(),
            $"{service.Name} has no health check: it would count as healthy before it serves"));
    }
}
