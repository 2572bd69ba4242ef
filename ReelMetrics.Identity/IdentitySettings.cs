namespace ReelMetrics.Identity;

/// <summary>
/// The identity service's settings, configuration section <c>Identity</c>. The AppHost fills in the origins,
/// the machine clients and the demo users' passwords; nothing secret has a default.
/// </summary>
public sealed class IdentitySettings
{
    public const string SectionName = "Identity";

    /// <summary>The issuer written into tokens (e.g. <c>http://localhost:8003/</c>); by default the URL the request came in on.</summary>
    public Uri? Issuer { get; set; }

    /// <summary>How long an access token is valid.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a refresh token is valid (rolling: each use issues a new one).</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Where the signing and encryption keys come from.</summary>
    public SigningKeySource SigningKeys { get; set; } = SigningKeySource.Development;

    /// <summary>The dashboard's origins (e.g. <c>http://localhost:3000</c>): redirect URI <c>/signin-callback</c>, post-logout <c>/</c>.</summary>
    public List<Uri> DashboardOrigins { get; set; } = [];

    /// <summary>The APIs' origins, whose OpenAPI pages (Scalar) sign in with the <c>reelmetrics-api-docs</c> client.</summary>
    public List<Uri> ApiOrigins { get; set; } = [];

    /// <summary>The paths on each API origin that the API docs client may be redirected to after sign-in (configured entries are added to these).</summary>
    public List<string> ApiDocsRedirectPaths { get; set; } = ["/scalar", "/scalar/", "/scalar/v1", "/signin-oidc"];

    /// <summary>Clients that sign in with a secret (client credentials), by client id.</summary>
    public Dictionary<string, MachineClientSettings> MachineClients { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Demo users by user name (<c>viewer</c>, <c>operator</c>, <c>admin</c>); one without a password is not created.</summary>
    public Dictionary<string, DemoUserSettings> DemoUsers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Failed sign-ins in a row before an account is locked, and for how long.</summary>
    public LockoutSettings Lockout { get; set; } = new();

    /// <summary>Sign-in and token requests allowed per client address per window.</summary>
    public SignInRateLimitSettings SignInRateLimit { get; set; } = new();

    /// <summary>Every origin a browser client of ours runs on: allowed to call the token, user info and discovery endpoints.</summary>
    public IEnumerable<string> BrowserOrigins =>
        DashboardOrigins.Concat(ApiOrigins).Select(origin => origin.GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Where token signing and encryption keys come from.</summary>
public enum SigningKeySource
{
    /// <summary>Self-signed development certificates kept in the current user's certificate store: tokens survive a restart.</summary>
    Development,

    /// <summary>Keys made at start and forgotten at exit (tests).</summary>
    Ephemeral,
}

/// <summary>A client that authenticates with a secret and acts in one role.</summary>
public sealed class MachineClientSettings
{
    public string? Secret { get; set; }

    public string? Role { get; set; }
}

/// <summary>A demo user's configured password.</summary>
public sealed class DemoUserSettings
{
    public string? Password { get; set; }
}

public sealed class LockoutSettings
{
    public int MaxFailedAttempts { get; set; } = 5;

    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class SignInRateLimitSettings
{
    public int PermitLimit { get; set; } = 30;

    /// <summary>Code and refresh-token exchanges from one address per window (no secret is guessed there).</summary>
    public int ExchangePermitLimit { get; set; } = 600;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
