using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.Api.Security;
using ReelMetrics.ApiDapper;
using ReelMetrics.ApiEf;
using ReelMetrics.Contracts;

namespace ReelMetrics.Tests.Api;

/// <summary>The two implementations of the one contract.</summary>
public enum Backend { Dapper, Ef }

/// <summary>How a test wants an API hosted: which databases, cache on or off, extra settings.</summary>
/// <param name="Kestrel">Serve over a real Kestrel socket (as deployed) instead of the in-memory test server.</param>
/// <param name="TestTokens">Accept <see cref="Api.TestTokens"/> (its signing key and issuer); off, no token source is configured.</param>
public sealed record ApiSettings(
    string Postgres, string? Redis, bool UseCache = true, IReadOnlyDictionary<string, string>? Extra = null, bool Kestrel = false,
    bool TestTokens = true);

/// <summary>
/// One API, hosted in this process by <see cref="WebApplicationFactory{TEntryPoint}"/>, with HTTP clients to it:
/// <see cref="Client"/> signed in as a viewer, <see cref="ClientAs"/> as anyone else.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly IAsyncDisposable factory;
    private readonly Func<bool, HttpClient> createClient;
    private readonly ConcurrentDictionary<string, Lazy<HttpClient>> clients = new();

    private ApiHost(Backend backend, IAsyncDisposable factory, Func<bool, HttpClient> createClient, IServiceProvider services)
    {
        Backend = backend;
        this.factory = factory;
        this.createClient = createClient;
        Services = services;
        Client = ClientAs(Roles.Viewer);
    }

    public Backend Backend { get; }

    /// <summary>A client signed in as the demo viewer.</summary>
    public HttpClient Client { get; }

    /// <summary>The API's services (its endpoints, its options…).</summary>
    public IServiceProvider Services { get; }

    /// <summary>A client that sends a token of the demo user of <paramref name="role"/> (<see cref="TestTokens.NoRole"/>: a user without a role).</summary>
    public HttpClient ClientAs(string? role) => ClientWith(TestTokens.ForRole(role));

    /// <summary>A client that sends <paramref name="token"/> as its bearer token; none when null.</summary>
    public HttpClient ClientWith(string? token) => clients.GetOrAdd(token ?? "", key => new Lazy<HttpClient>(() =>
    {
        var client = createClient(false);
        if (key.Length > 0) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    })).Value;

    /// <summary>A client that sends no token.</summary>
    public HttpClient Anonymous => ClientWith(null);

    /// <summary>A new client as a browser would be: keeps cookies, and shows redirects instead of following them.</summary>
    public HttpClient Browser() => createClient(true);

    /// <summary>
    /// Limits of test hosts: rate limits far above what a test sends, so that suites that send many requests through
    /// one address are not refused, and a request timeout that a loaded test machine (EF compiling its first
    /// queries on two shared cores) cannot reach. The limit tests set production's figures (or their own) through
    /// <see cref="ApiSettings.Extra"/>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> GenerousLimits = new Dictionary<string, string>
    {
        ["Api:Protection:PerUser:PerSecond"] = "1000000", ["Api:Protection:PerUser:Burst"] = "1000000",
        ["Api:Protection:PerAnonymousAddress:PerSecond"] = "1000000", ["Api:Protection:PerAnonymousAddress:Burst"] = "1000000",
        ["Api:Protection:PerAddress:PerSecond"] = "1000000", ["Api:Protection:PerAddress:Burst"] = "1000000",
        ["Api:Protection:HealthProbes:PerSecond"] = "1000000", ["Api:Protection:HealthProbes:Burst"] = "1000000",
        ["Api:Protection:RequestTimeout"] = "00:02:00",
    };

    /// <summary>Starts <paramref name="backend"/> against the given databases, its clock frozen at <paramref name="clock"/>.</summary>
    public static ApiHost Start(Backend backend, ApiSettings settings, TimeProvider clock)
    {
        return backend switch
        {
            Backend.Dapper => Start(backend, new ApiFactory<DapperSalesReadModel>(settings, clock), settings),
            _ => Start(backend, new ApiFactory<EfSalesReadModel>(settings, clock), settings),
        };
    }

    private static ApiHost Start<TEntry>(Backend backend, ApiFactory<TEntry> factory, ApiSettings settings) where TEntry : class
    {
        try
        {
            if (settings.Kestrel) factory.UseKestrel(0);
            factory.StartServer();
            // ClientOptions.BaseAddress is the Kestrel socket's address once started there.
            return new ApiHost(backend, factory, browser => factory.CreateClient(new WebApplicationFactoryClientOptions
            {
                BaseAddress = factory.ClientOptions.BaseAddress,
                AllowAutoRedirect = !browser,
            }), factory.Services);
        }
        catch
        {
            factory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients.Values.Where(c => c.IsValueCreated)) client.Value.Dispose();
        await factory.DisposeAsync();
    }

    /// <summary>Hosts the API whose assembly holds <typeparamref name="TEntry"/> (both APIs have a global <c>Program</c>).</summary>
    private sealed class ApiFactory<TEntry>(ApiSettings settings, TimeProvider clock) : WebApplicationFactory<TEntry> where TEntry : class
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            // UseSetting, not ConfigureAppConfiguration: Program reads connection strings while it registers services.
            builder.UseSetting($"ConnectionStrings:{ConnectionNames.Database}", settings.Postgres);
            builder.UseSetting($"ConnectionStrings:{ConnectionNames.Redis}", settings.Redis ?? "");
            builder.UseSetting("Api:UseCache", settings.UseCache ? "true" : "false");
            // Tests change Redis and PostgreSQL between two reads: each read goes to Redis unless a test asks for the
            // shared hot reads of production (LiveCacheTests.OneRedisReadServesTheSameFiguresForTheHotReadLifetime).
            builder.UseSetting("Api:HotReadLifetime", "00:00:00");
            if (settings.TestTokens)
            {
                foreach (var (key, value) in TestTokens.ApiSettings) builder.UseSetting(key, value);
            }
            foreach (var (key, value) in GenerousLimits) builder.UseSetting(key, value);
            // Alerts are evaluated when a test says so (AlertEvaluator.EvaluateAsync), not every 15 s behind its back.
            builder.UseSetting("Api:Alerts:Enabled", "false");
            foreach (var (key, value) in settings.Extra ?? new Dictionary<string, string>()) builder.UseSetting(key, value);
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:LogLevel:Aspire", "Error");           // the Redis client's connection chatter
            builder.UseSetting("Logging:LogLevel:StackExchange", "None");     // outage tests make it shout; the API's own warning says enough
            builder.ConfigureServices(services => services.AddSingleton(clock));
        }
    }
}

/// <summary>A clock that always says the same instant; timers and timestamps still run in real time.</summary>
public sealed class FrozenClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
