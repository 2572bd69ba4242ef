namespace ReelMetrics.LocalInfrastructure.Hosting;

/// <summary>
/// A server process started from ReelMetrics.LocalInfrastructure (PostgreSQL supervisor, Garnet,
/// or the librdkafka mock cluster), listening on one fixed TCP port. Its connection string has
/// the same shape as the container resource it stands in for.
/// </summary>
public abstract class LocalServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    /// <summary>Servers listen on IPv4 loopback only; naming it avoids a detour through ::1.</summary>
    protected ReferenceExpression HostAndPort => ReferenceExpression.Create($"127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}");

    public abstract ReferenceExpression ConnectionStringExpression { get; }
}

/// <summary>PostgreSQL server run from the locally installed binaries.</summary>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : LocalServerResource(name, command, workingDirectory)
{
    public ParameterResource Password { get; } = password;

    public override ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Endpoint.Property(EndpointProperty.Port)};Username=postgres;Password={Password}");
}

/// <summary>A database on a <see cref="LocalPostgresServerResource"/>, created when the server is ready.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public LocalPostgresServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}

/// <summary>Microsoft Garnet, a Redis-compatible server.</summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory, ParameterResource password)
    : LocalServerResource(name, command, workingDirectory)
{
    public ParameterResource Password { get; } = password;

    public override ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{HostAndPort},password={Password}");
}

/// <summary>librdkafka's mock Kafka cluster behind a fixed port.</summary>
public sealed class LocalKafkaResource(string name, string command, string workingDirectory)
    : LocalServerResource(name, command, workingDirectory)
{
    public override ReferenceExpression ConnectionStringExpression => HostAndPort;
}
