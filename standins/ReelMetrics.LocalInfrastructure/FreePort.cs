using System.Net;
using System.Net.Sockets;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>Hands out loopback TCP ports that were free a moment ago.</summary>
/// <remarks>
/// <para>
/// The ports come from 4000–9999, a range no one else here allocates from:
/// </para>
/// <list type="bullet">
/// <item>not the kernel's ephemeral range (Linux: <c>/proc/sys/net/ipv4/ip_local_port_range</c>, usually 32768–60999),
/// where outgoing connections get their local ports: while a server is stopped (a restart, an outage test) a client
/// socket could take its port, so the server could not bind it again, and a connection to it could connect to itself
/// (a TCP self-connect), so the stopped server would seem to answer;</item>
/// <item>not Aspire's range for the ports of the processes it runs (10000–32767): while the AppHost has stopped a
/// resource, its port is free, and a server given that port would receive the resource's traffic once it restarts
/// (CI saw the generator's health checks land elsewhere after a restart when this class used that range).</item>
/// </list>
/// <para>
/// There is an unavoidable gap between probing a port and a server binding it; the helper never hands out the
/// same port twice within one process, so parallel tests in one run cannot collide with each other, and it
/// starts at a random place so two processes probing at once rarely pick the same port.
/// </para>
/// </remarks>
public static class FreePort
{
    /// <summary>The ports handed out, inclusive.</summary>
    private static readonly (int First, int Last) Range = RangeBelowOthers();

    private static readonly HashSet<int> Issued = [];
    private static int _cursor = Random.Shared.Next(Range.First, Range.Last + 1);

    /// <summary>Returns a TCP port on 127.0.0.1 that was free just now and that this process has not handed out before.</summary>
    public static int Next()
    {
        lock (Issued)
        {
            var size = Range.Last - Range.First + 1;
            for (var tried = 0; tried < size; tried++)
            {
                var port = _cursor;
                _cursor = _cursor == Range.Last ? Range.First : _cursor + 1;
                if (!Issued.Contains(port) && IsFree(port))
                {
                    Issued.Add(port);
                    return port;
                }
            }
            throw new InvalidOperationException($"No free loopback port between {Range.First} and {Range.Last}.");
        }
    }

    private static (int First, int Last) RangeBelowOthers()
    {
        const int first = 4_000, last = 9_999;   // below Aspire's 10000-32767
        var ephemeralStart = 32_768;               // the Linux default
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            var start = text.Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            ephemeralStart = int.Parse(start, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or not readable: keep the default.
        }
        // A machine whose ephemeral range starts below 10000 leaves less room: stay below it.
        return (first, Math.Max(first + 499, Math.Min(last, ephemeralStart - 1)));
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
