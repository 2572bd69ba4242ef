using Microsoft.Extensions.Configuration;
using ReelMetrics.AppHost.Frontend;
using ReelMetrics.AppHost.Infrastructure;
using ReelMetrics.LocalInfrastructure;

namespace ReelMetrics.AppHost;

/// <summary>
/// Everything the AppHost reads from its configuration (section <c>ReelMetrics</c>), bound once at start by
/// <see cref="From"/>; the rest of the AppHost takes what it needs from here and reads no configuration key itself.
/// </summary>
public sealed record AppHostSettings
{
    public const string Section = "ReelMetrics";

    /// <summary><c>ReelMetrics:Infrastructure</c>: how Kafka, PostgreSQL and Redis are backed.</summary>
    public InfrastructureMode Infrastructure { get; init; } = InfrastructureMode.Auto;

    /// <summary><c>ReelMetrics:Ports:*</c>: the ports a person types; 0 in configuration picks a free one.</summary>
    public PortSettings Ports { get; init; } = new();

    /// <summary><c>ReelMetrics:Frontend:*</c>.</summary>
    public FrontendSettings Frontend { get; init; } = new();

    /// <summary><c>ReelMetrics:Local:*</c>: the local backing's data directory and ports (0 in configuration: a free one).</summary>
    public LocalSettings Local { get; init; } = new();

    /// <summary>The container runtime's client Aspire uses (<c>ASPIRE_CONTAINER_RUNTIME</c>), asked whether it runs in Auto mode.</summary>
    public string ContainerRuntime { get; private init; } = "docker";

    /// <summary>
    /// <c>ReelMetrics:Generator:*</c>, handed to the generator as its section <c>Generator</c>, so a person can tune it
    /// from the AppHost's command line, e.g. <c>dotnet run --project ReelMetrics.AppHost -- ReelMetrics:Generator:Rate=5000</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Generator { get; private init; } = new Dictionary<string, string>();

    /// <summary><c>ReelMetrics:Consumer:*</c>, handed to the consumer as its section <c>Consumer</c>.</summary>
    public IReadOnlyDictionary<string, string> Consumer { get; private init; } = new Dictionary<string, string>();

    /// <summary>Binds the settings and picks the free ports asked for (0), once.</summary>
    /// <exception cref="DistributedApplicationException">A value cannot be read (say, an unknown mode).</exception>
    public static AppHostSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        AppHostSettings bound;
        try
        {
            bound = section.Get<AppHostSettings>() ?? new();
        }
        catch (InvalidOperationException ex)
        {
            throw new DistributedApplicationException(
                $"{ex.Message} (ReelMetrics:Infrastructure is Auto, Containers or Local; ReelMetrics:Frontend:Mode is Development or Production.)", ex);
        }

        if (!Enum.IsDefined(bound.Infrastructure) || !Enum.IsDefined(bound.Frontend.Mode))
        {
            throw new DistributedApplicationException(
                $"{Section}:Infrastructure is '{bound.Infrastructure}' and {Section}:Frontend:Mode '{bound.Frontend.Mode}': use Auto, Containers or Local, and Development or Production.");
        }

        return bound with
        {
            Ports = bound.Ports with
            {
                ApiDapper = OrFree(bound.Ports.ApiDapper),
                ApiEf = OrFree(bound.Ports.ApiEf),
                Frontend = OrFree(bound.Ports.Frontend),
                Identity = OrFree(bound.Ports.Identity),
            },
            Local = bound.Local with
            {
                PostgresPort = OrFree(bound.Local.PostgresPort),
                RedisPort = OrFree(bound.Local.RedisPort),
                KafkaPort = OrFree(bound.Local.KafkaPort),
            },
            ContainerRuntime = configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker",
            Generator = Flatten(section.GetSection(nameof(Generator))),
            Consumer = Flatten(section.GetSection(nameof(Consumer))),
        };
    }

    private static int OrFree(int port) => port > 0 ? port : FreePort.Next();

    private static Dictionary<string, string> Flatten(IConfigurationSection section) =>
        section.AsEnumerable(makePathsRelative: true)
            .Where(setting => setting.Value is not null)
            .ToDictionary(setting => setting.Key, setting => setting.Value!);
}

/// <summary>The ports a person types; tests set 0 so they never collide with a running instance.</summary>
public sealed record PortSettings
{
    public int ApiDapper { get; init; } = 8001;

    public int ApiEf { get; init; } = 8002;

    public int Frontend { get; init; } = 3000;

    public int Identity { get; init; } = 8003;
}

public sealed record FrontendSettings
{
    public FrontendMode Mode { get; init; } = FrontendMode.Development;
}

/// <summary>The local backing (see <see cref="InfrastructureMode.Local"/>).</summary>
public sealed record LocalSettings
{
    /// <summary>Where local PostgreSQL keeps its data; not set: the server's default (see README).</summary>
    public string? DataDirectory { get; init; }

    public int PostgresPort { get; init; }

    public int RedisPort { get; init; }

    public int KafkaPort { get; init; }
}
