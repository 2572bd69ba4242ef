using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using ReelMetrics.Contracts;
using ReelMetrics.Identity;

namespace ReelMetrics.Tests.Identity;

/// <summary>
/// The identity service hosted in this process on its own PostgreSQL database, with ephemeral keys, the demo users,
/// the dashboard at <see cref="DashboardOrigin"/>, one API at <see cref="ApiOrigin"/> and the machine client
/// <see cref="ReportsClient"/>.
/// </summary>
public sealed partial class IdentityHost : WebApplicationFactory<IdentitySettings>
{
    public const string DashboardOrigin = "http://dashboard.test";
    public const string DashboardRedirectUri = DashboardOrigin + "/signin-callback";
    public const string ApiOrigin = "http://api.test";
    public const string ReportsClient = "reelmetrics-reports";
    public const string ReportsSecret = "reports-secret-0123456789";

    public static readonly IReadOnlyDictionary<string, string> DemoPasswords = new Dictionary<string, string>
    {
        ["viewer"] = "Viewer-password-1234",
        ["operator"] = "Operator-password-1234",
        ["admin"] = "Admin-password-1234",
    };

    private readonly Dictionary<string, string> settings;

    public IdentityHost(string connectionString, IReadOnlyDictionary<string, string>? extra = null)
    {
        settings = new Dictionary<string, string>
        {
            [$"ConnectionStrings:{ConnectionNames.IdentityDatabase}"] = connectionString,
            ["Identity:SigningKeys"] = "Ephemeral",
            ["Identity:DashboardOrigins:0"] = DashboardOrigin,
            ["Identity:ApiOrigins:0"] = ApiOrigin,
            [$"Identity:MachineClients:{ReportsClient}:Secret"] = ReportsSecret,
            [$"Identity:MachineClients:{ReportsClient}:Role"] = "viewer",
            ["Identity:SignInRateLimit:PermitLimit"] = "10000",
        };
        foreach (var (user, password) in DemoPasswords) settings[$"Identity:DemoUsers:{user}:Password"] = password;
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // UseSetting, not ConfigureAppConfiguration: the service reads its settings while it registers services.
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.Antiforgery", "Error");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "None");
    }

    /// <summary>A browser-like client: keeps cookies, does not follow redirects (tests look at each one).</summary>
    public HttpClient Browser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Posts a token request; returns the status and the JSON answer.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(IDictionary<string, string> form, HttpClient? client = null)
    {
        client ??= Browser();
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return (response.StatusCode, body);
    }

    /// <summary>The password grant of the command-line client.</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> PasswordGrantAsync(string user, string password, string clientId = "reelmetrics-cli") =>
        TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = clientId,
            ["username"] = user,
            ["password"] = password,
            ["scope"] = "openid profile roles offline_access reelmetrics.api",
        });

    /// <summary>The antiforgery token and return URL of a sign-in form.</summary>
    public static (string Token, string ReturnUrl) FormFields(string html) => (
        WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value),
        WebUtility.HtmlDecode(ReturnUrlField().Match(html).Groups[1].Value));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrlField();
}
