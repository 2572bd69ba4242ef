using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace ReelMetrics.AppHost;

/// <summary>
/// The ports a person types (configuration <c>ReelMetrics:Ports:*</c>). A value of 0 picks a free
/// port, which is what tests do so they never collide with a running instance.
/// </summary>
public sealed record Ports(int ApiDapper, int ApiEf, int Frontend, int Identity)
{
    public static Ports From(IConfiguration configuration) => new(
        Resolve(configuration, "ApiDapper", 8001),
        Resolve(configuration, "ApiEf", 8002),
        Resolve(configuration, "Frontend", 3000),
        Resolve(configuration, "Identity", 8003));

    private static int Resolve(IConfiguration configuration, string key, int defaultPort) =>
        configuration.GetValue($"ReelMetrics:Ports:{key}", defaultPort) is > 0 and var port ? port : Free();

    /// <summary>A port nobody listens on right now.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
