namespace ReelMetrics.AppHost.Tests;

/// <summary>
/// The React dashboard: its own checks (lint, types, component tests) and end-to-end tests in
/// Debian's Chromium against the whole running system (the frontend's npm packages were
/// installed by the AppHost's frontend-install step).
/// </summary>
[Collection(LocalAppCollection.Name)]
public sealed class FrontendTests(LocalAppFixture fixture)
{
    // The browser suites sign in as three users through the real sign-in page: minutes on a loaded 2-core machine.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(12);

    [Fact]
    public async Task TheDashboardIsLintCleanAndTypeChecks()
    {
        foreach (var script in new[] { "lint", "typecheck" })
        {
            var result = await NpmScript.RunAsync(script, null, Timeout, TestContext.Current.CancellationToken);
            Assert.True(result.ExitCode == 0, $"npm run {script} failed:\n{result.Output}");
        }
    }

    [Fact]
    public async Task TheDashboardPassesItsComponentTests()
    {
        var result = await NpmScript.RunAsync("test", null, Timeout, TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, $"npm test failed:\n{result.Output}");
    }

    [Fact]
    public async Task TheProductionBuildWorksInARealBrowser()
    {
        // vite build, then vite preview as ReelMetrics:Frontend:Mode=Production serves it, in front of two fake APIs
        // (e2e/fake-api.mjs), with the same end-to-end tests as the running system gets.
        var result = await NpmScript.RunAsync("e2e:fake", null, Timeout, TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, $"npm run e2e:fake failed:\n{result.Output}");
    }

    [Fact]
    public async Task TheDashboardWorksInARealBrowserAgainstTheRunningSystem()
    {
        var ct = TestContext.Current.CancellationToken;
        var frontend = fixture.App.GetEndpoint("frontend", "http").ToString().TrimEnd('/');
        var environment = new Dictionary<string, string> { ["REELMETRICS_FRONTEND_URL"] = frontend };
        foreach (var user in new[] { "viewer", "operator", "admin" })
        {
            environment[$"REELMETRICS_DEMO_{user.ToUpperInvariant()}_PASSWORD"] = await fixture.DemoPasswordAsync(user, ct);
        }
        var result = await NpmScript.RunAsync("e2e", environment, Timeout, ct);
        Assert.True(result.ExitCode == 0, $"end-to-end tests against {frontend} failed:\n{result.Output}");
    }
}
