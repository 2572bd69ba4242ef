using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task TheDashboardIsLintCleanFormattedAndTypeChecks()
    {
        // format:check is Prettier (frontend/.prettierrc); `npm run format` in frontend/ fixes what it lists.
        foreach (var script in new[] { "lint", "format:check", "typecheck" })
        {
            var result = await NpmScript.RunAsync(script, null, Timeout, TestContext.Current.CancellationToken);
            Assert.True(result.ExitCode == 0, $"npm run {script} failed:\n{result.Report}");
        }
    }

    [Fact]
    public async Task TheDashboardPassesItsComponentTests()
    {
        var result = await NpmScript.RunAsync("test", null, Timeout, TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, $"npm test failed:\n{result.Report}");
    }

    [Fact]
    public async Task TheProductionBuildWorksInARealBrowser()
    {
        // vite build, then vite preview as ReelMetrics:Frontend:Mode=Production serves it, in front of two fake APIs
        // (e2e/fake-api.mjs), with the same end-to-end tests as the running system gets.
        var result = await NpmScript.RunAsync("e2e:fake", null, Timeout, TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, $"npm run e2e:fake failed:\n{result.Report}");
    }

    [Fact]
    public async Task TheDashboardWorksInARealBrowserAgainstTheRunningSystem()
    {
        var ct = TestContext.Current.CancellationToken;
        var (frontend, environment) = await BrowserEnvironmentAsync(ct);

        // With sales flowing (the live totals must move); the value checks run in the next test, with sales paused.
        var result = await NpmScript.RunAsync("e2e:flow", environment, Timeout, ct);
        Assert.True(result.ExitCode == 0, $"end-to-end tests against {frontend} failed:\n{result.Report}");
    }

    [Fact]
    public async Task TheDashboardShowsTheFiguresTheApisAnswerInARealBrowserAgainstTheRunningSystem()
    {
        // e2e/values/*: what the page shows is compared with what the API answers at the same moment. At the generator's
        // ~20 sales a second the figures move between any two reads, so the generator is stopped for these tests (the
        // fake system sells once a second, and the tests retry until the API holds still), and started again after.
        var ct = TestContext.Current.CancellationToken;
        var (frontend, environment) = await BrowserEnvironmentAsync(ct);
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        await fixture.App.TerminateAsync("generator", ct);
        try
        {
            await WaitUntilSalesStopMovingAsync(ct);
            var result = await NpmScript.RunAsync("e2e:values", environment, Timeout, ct);
            Assert.True(result.ExitCode == 0, $"value tests against {frontend} failed:\n{result.Report}");
        }
        finally
        {
            var started = await commands.ExecuteCommandAsync("generator", KnownResourceCommands.StartCommand, CancellationToken.None);
            Assert.True(started.Success, $"the generator did not start again: {started.Message}");
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("generator", CancellationToken.None)
                .WaitAsync(LocalAppFixture.StartTimeout, CancellationToken.None);
        }
    }

    /// <summary>
    /// docs/api.md, "Pipeline status": a consumer that stops cleanly marks its heartbeat stopped, so the APIs say
    /// stalled at their next read (every 2 s for the live stream); one that dies is given up after the 15 s heartbeat
    /// timeout. The header must say so within 20 s of the stop (a killed consumer's bound), and live again once the
    /// restarted consumer beats (a .NET process start and a Kafka group join on a loaded machine: 90 s).
    /// </summary>
    [Fact]
    public async Task TheHeaderSaysStalledWhenTheConsumerStopsAndLiveWhenItIsBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var (frontend, environment) = await BrowserEnvironmentAsync(ct);
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();

        // The heartbeat is marked stopped as the consumer begins to shut down: the page must say Stalled within the bound
        // counted from the stop.
        var stoppedAt = DateTimeOffset.UtcNow;
        await fixture.App.TerminateAsync("consumer", ct);
        try
        {
            environment["REELMETRICS_E2E_PIPELINE_STATE"] = "stalled";
            environment["REELMETRICS_E2E_PIPELINE_DEADLINE"] = Deadline(stoppedAt, StalledWithin);
            var stalled = await NpmScript.RunAsync("e2e:pipeline", environment, Timeout, ct);
            Assert.True(stalled.ExitCode == 0, $"{frontend} did not say Stalled within {StalledWithin.TotalSeconds} s of the consumer stopping:\n{stalled.Report}");
        }
        finally
        {
            var started = await commands.ExecuteCommandAsync("consumer", KnownResourceCommands.StartCommand, ct);
            Assert.True(started.Success, $"starting the consumer again failed: {started.Message}");
        }

        environment["REELMETRICS_E2E_PIPELINE_STATE"] = "live";
        environment["REELMETRICS_E2E_PIPELINE_DEADLINE"] = Deadline(DateTimeOffset.UtcNow, LiveWithin);
        var live = await NpmScript.RunAsync("e2e:pipeline", environment, Timeout, ct);
        Assert.True(live.ExitCode == 0, $"{frontend} did not say Live within {LiveWithin.TotalSeconds} s of the consumer starting:\n{live.Report}");
    }

    private static readonly TimeSpan StalledWithin = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan LiveWithin = TimeSpan.FromSeconds(90);

    private static string Deadline(DateTimeOffset from, TimeSpan within) =>
        (from + within).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The frontend's address and the demo users' passwords, as the browser tests take them.</summary>
    private async Task<(string Frontend, Dictionary<string, string> Environment)> BrowserEnvironmentAsync(CancellationToken ct)
    {
        var frontend = fixture.App.GetEndpoint("frontend", "http").ToString().TrimEnd('/');
        var environment = new Dictionary<string, string> { ["REELMETRICS_FRONTEND_URL"] = frontend };
        foreach (var user in new[] { "viewer", "operator", "admin" })
        {
            environment[$"REELMETRICS_DEMO_{user.ToUpperInvariant()}_PASSWORD"] = await fixture.DemoPasswordAsync(user, ct);
        }
        return (frontend, environment);
    }

    /// <summary>
    /// Waits until the consumer has stored what the stopped generator sent: today's totals are the same in two reads
    /// three seconds apart (within two minutes).
    /// </summary>
    private async Task WaitUntilSalesStopMovingAsync(CancellationToken ct)
    {
        using var api = await fixture.CreateSignedInClientAsync("api-dapper", "viewer", ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        var previous = await api.GetStringAsync("/summary", ct);
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var current = await api.GetStringAsync("/summary", ct);
            if (current == previous) return;
            Assert.True(DateTime.UtcNow < deadline, $"today's totals still moved two minutes after the generator stopped: {current}");
            previous = current;
        }
    }
}
