using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Identity;

/// <summary>Start-up seeding, lockout and the sign-in rate limit: each test on its own database and hosts.</summary>
public sealed class IdentityStartupAndLimitsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task TwoStartsAtOnceThenARestartWithNewSettingsSeedOnceAndFollowTheSettings()
    {
        var database = await postgres.CreateDatabaseAsync("identity_seed", TestContext.Current.CancellationToken);

        // Two instances racing on an empty database: one creates the schema, both seed, nothing doubles.
        await using (var first = new IdentityHost(database))
        await using (var second = new IdentityHost(database))
        {
            await Task.WhenAll(Task.Run(() => first.Server), Task.Run(() => second.Server));
            Assert.Equal(HttpStatusCode.OK, (await first.PasswordGrantAsync("viewer", IdentityHost.DemoPasswords["viewer"])).Status);
        }

        // A restart with the dashboard elsewhere, a new viewer password, a new machine secret and no admin password.
        await using var restarted = new IdentityHost(database, new Dictionary<string, string>
        {
            ["Identity:DashboardOrigins:0"] = "http://dashboard2.test",
            ["Identity:DemoUsers:viewer:Password"] = "Viewer-password-changed-1",
            [$"Identity:MachineClients:{IdentityHost.ReportsClient}:Secret"] = "reports-secret-changed-1",
        });
        _ = restarted.Server;

        await using var scope = restarted.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var clientIds = new List<string>();
        await foreach (var application in applications.ListAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            clientIds.Add((await applications.GetClientIdAsync(application, TestContext.Current.CancellationToken))!);
        }
        Assert.Equal(["reelmetrics-api-docs", "reelmetrics-cli", "reelmetrics-dashboard", "reelmetrics-reports"], clientIds.Order());

        var dashboard = await applications.FindByClientIdAsync("reelmetrics-dashboard", TestContext.Current.CancellationToken);
        Assert.Equal(["http://dashboard2.test/signin-callback"], await applications.GetRedirectUrisAsync(dashboard!, TestContext.Current.CancellationToken));

        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        Assert.Equal(3, users.Users.Count());
        Assert.Equal(HttpStatusCode.BadRequest, (await restarted.PasswordGrantAsync("viewer", IdentityHost.DemoPasswords["viewer"])).Status);
        Assert.Equal(HttpStatusCode.OK, (await restarted.PasswordGrantAsync("viewer", "Viewer-password-changed-1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await restarted.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityHost.ReportsClient,
            ["client_secret"] = "reports-secret-changed-1",
        })).Status);
    }

    [Fact]
    public async Task AUserWithNoConfiguredPasswordIsNotCreated()
    {
        var database = await postgres.CreateDatabaseAsync("identity_nopassword", TestContext.Current.CancellationToken);
        await using var host = new IdentityHost(database, new Dictionary<string, string> { ["Identity:DemoUsers:admin:Password"] = "" });
        _ = host.Server;

        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        Assert.Null(await users.FindByNameAsync("admin"));
        Assert.NotNull(await users.FindByNameAsync("viewer"));
    }

    [Fact]
    public async Task AnAccountIsLockedAfterRepeatedFailuresEvenForTheRightPassword()
    {
        var database = await postgres.CreateDatabaseAsync("identity_lockout", TestContext.Current.CancellationToken);
        await using var host = new IdentityHost(database, new Dictionary<string, string> { ["Identity:Lockout:MaxFailedAttempts"] = "3" });

        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await host.PasswordGrantAsync("viewer", "not-the-password")).Status);
        }

        var (status, body) = await host.PasswordGrantAsync("viewer", IdentityHost.DemoPasswords["viewer"]);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        // Another account is not affected.
        Assert.Equal(HttpStatusCode.OK, (await host.PasswordGrantAsync("operator", IdentityHost.DemoPasswords["operator"])).Status);
    }

    [Fact]
    public async Task TooManyTokenRequestsFromOneAddressGet429WithRetryAfter()
    {
        await using var host = await HostWithThreeSignInAttemptsAsync("identity_ratelimit");
        using var client = host.Browser();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var request = 0; request < 5; request++)
        {
            last?.Dispose();
            last = await client.PostAsync("/connect/token", new FormUrlEncodedContent(WrongPasswordGrant()), TestContext.Current.CancellationToken);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        last.Dispose();
    }

    [Fact]
    public async Task RefreshTokenExchangesFromOneAddressAreNotRefusedAndDoNotSpendItsSignInAttempts()
    {
        await using var host = await HostWithThreeSignInAttemptsAsync("identity_exchange_limit");
        using var client = host.Browser();
        async Task<HttpStatusCode> PostAsync(Dictionary<string, string> form)
        {
            using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
            return response.StatusCode;
        }

        // Many people behind one address renewing their sessions (here with refresh tokens that are no longer valid).
        var renewals = new List<HttpStatusCode>();
        for (var request = 0; request < 10; request++)
        {
            renewals.Add(await PostAsync(new()
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = "reelmetrics-cli",
                ["refresh_token"] = $"expired-{request}",
            }));
        }

        Assert.All(renewals, status => Assert.Equal(HttpStatusCode.BadRequest, status));
        // The address still has its three sign-in attempts, and no more.
        var guesses = new List<HttpStatusCode>();
        for (var request = 0; request < 4; request++)
        {
            guesses.Add(await PostAsync(WrongPasswordGrant()));
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], guesses);
    }

    /// <summary>An identity service that allows three sign-in attempts per address in ten minutes.</summary>
    private async Task<IdentityHost> HostWithThreeSignInAttemptsAsync(string databaseName)
    {
        var database = await postgres.CreateDatabaseAsync(databaseName, TestContext.Current.CancellationToken);
        return new IdentityHost(database, new Dictionary<string, string>
        {
            ["Identity:SignInRateLimit:PermitLimit"] = "3",
            ["Identity:SignInRateLimit:Window"] = "00:10:00",
        });
    }

    /// <summary>A password grant for the demo viewer with a wrong password: a guess.</summary>
    private static Dictionary<string, string> WrongPasswordGrant() => new()
    {
        ["grant_type"] = "password",
        ["client_id"] = "reelmetrics-cli",
        ["username"] = "viewer",
        ["password"] = "not-the-password",
    };
}
