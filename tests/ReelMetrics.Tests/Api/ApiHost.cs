using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.ApiDapper;
using ReelMetrics.ApiEf;

namespace ReelMetrics.Tests.Api;

/// <summary>The two implementations of the one contract.</summary>
public enum Backend { Dapper, Ef }

/// <summary>How a test wants an API hosted: which databases, cache on or off, extra settings.</summary>
/// <param name="Kestrel">Serve over a real Kestrel socket (as deployed) instead of the in-memory test server.</param>
public sealed record ApiSettings(string Postgres, string? Redis, bool UseCache = true, IReadOnlyDictionary<string, string>? Extra = null, bool Kestrel = false);

/// <summary>One API, hosted in this process by <see cref="WebApplicationFactory{TEntryPoint}"/>, with an HTTP client to it.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly IAsyncDisposable factory;

    private ApiHost(Backend backend, IAsyncDisposable factory, HttpClient client, IServiceProvider services)
    {
        Backend = backend;
        this.factory = factory;
        Client = client;
        Services = services;
    }

    public Backend Backend { get; }

    public HttpClient Client { get; }

    /// <summary>The API's services (its meters, its options).</summary>
    public IServiceProvider Services { get; }

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
        if (settings.Kestrel)
        {
            factory.UseKestrel(0);
            factory.StartServer();
        }
        return new ApiHost(backend, factory, factory.CreateClient(), factory.Services);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await factory.DisposeAsync();
    }

    /// <summary>Hosts the API whose assembly holds <typeparamref name="TEntry"/> (both APIs have a global <c>Program</c>).</summary>
    private sealed class ApiFactory<TEntry>(ApiSettings settings, TimeProvider clock) : WebApplicationFactory<TEntry> where TEntry : class
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            // UseSetting, not ConfigureAppConfiguration: Program reads connection strings while it registers services.
            builder.UseSetting("ConnectionStrings:reelmetrics", settings.Postgres);
            builder.UseSetting("ConnectionStrings:redis", settings.Redis ?? "");
            builder.UseSetting("Api:UseCache", settings.UseCache ? "true" : "false");
            // Tests change Redis and PostgreSQL between two reads: each read goes to Redis unless a test asks for the
            // shared hot reads of production (LiveCacheTests.OneRedisReadServesTheSameFiguresForTheHotReadLifetime).
            builder.UseSetting("Api:HotReadLifetime", "00:00:00");
            foreach (var (key, value) in GenerousLimits) builder.UseSetting(key, value);
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
