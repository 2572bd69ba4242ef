using System.Net;
using System.Net.Sockets;

namespace ReelMetrics.Tests.Api.Protection;

/// <summary>
/// HTTP clients that each connect from their own loopback address (127.0.0.<i>n</i>; Linux answers the whole
/// 127.0.0.0/8), so that one machine can play many clients of a Kestrel-hosted API, each counted by its address.
/// </summary>
public static class LoopbackClient
{
    /// <summary>A client from 127.0.0.<paramref name="n"/>, signed in as viewer <paramref name="user"/> when given.</summary>
    public static HttpClient From(int n, Uri baseAddress, string? user = null)
    {
        var local = new IPAddress([127, 0, 0, (byte)n]);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Bearer", TestTokens.Mint(new TokenRequest { Subject = user, Roles = [ReelMetrics.Contracts.Roles.Viewer] }));
        }
        return client;
    }
}

/// <summary>Response times, summarised.</summary>
public sealed class Latencies
{
    private readonly List<double> milliseconds = [];

    public int Count { get { lock (milliseconds) return milliseconds.Count; } }

    public void Add(TimeSpan elapsed)
    {
        lock (milliseconds) milliseconds.Add(elapsed.TotalMilliseconds);
    }

    public double Percentile(double p)
    {
        lock (milliseconds)
        {
            if (milliseconds.Count == 0) return double.NaN;
            var sorted = milliseconds.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }

    public double Max { get { lock (milliseconds) return milliseconds.Count == 0 ? double.NaN : milliseconds.Max(); } }

    public override string ToString() => $"n={Count}, p50={Percentile(50):0.0} ms, p99={Percentile(99):0.0} ms, max={Max:0.0} ms";
}
