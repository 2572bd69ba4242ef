using System.Net;
using System.Net.Sockets;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>Hands out loopback TCP ports that were free a moment ago.</summary>
/// <remarks>
/// <para>
/// The ports come from below the kernel's ephemeral range (Linux: <c>/proc/sys/net/ipv4/ip_local_port_range</c>,
/// usually 32768–60999). A port from inside that range is also the local port the kernel gives to outgoing
/// connections: while a server is stopped (a restart, an outage test) a client socket could take its port, so the
/// server could not bind it again, and a connection to it could even connect to itself (a TCP self-connect), so
/// the stopped server would seem to answer. Below the range only processes that ask for a port by number take it.
/// </para>
/// <para>
/// There is an unavoidable gap between probing a port and a server binding it; the helper never hands out the
/// same port twice within one process, so parallel tests in one run cannot collide with each other, and it
/// starts at a random place so two processes probing at once rarely pick the same port.
/// </para>
/// </remarks>
public static class FreePort
{
    private const int LowestPort = 10_000;
    private static readonly HashSet<int> Issued = [];
    private static readonly (int First, int Last) Range = RangeBelowEphemeral();
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

    /// <summary>The ports handed out: from <see cref="LowestPort"/> up to just below the kernel's ephemeral range.</summary>
    internal static (int First, int Last) RangeBelowEphemeral()
    {
        var ephemeralStart = 32_768;   // the Linux default, and what IANA's range (49152) stays above
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
        // A machine whose ephemeral range starts very low leaves little room below it; use ports above 1024 then.
        var lowest = ephemeralStart - 1 - LowestPort >= 1_000 ? LowestPort : 1_025;
        return (lowest, Math.Max(lowest + 999, ephemeralStart - 1));
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
