using System.Net;
using System.Net.Sockets;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>Hands out loopback TCP ports that were free a moment ago.</summary>
/// <remarks>
/// There is an unavoidable gap between probing a port and a server binding it; the helper never hands
/// out the same port twice within one process, so parallel tests in one run cannot collide with each other.
/// </remarks>
public static class FreePort
{
    private static readonly HashSet<int> Issued = [];

    /// <summary>Returns a TCP port on 127.0.0.1 that the kernel reported free and this process has not handed out before.</summary>
    public static int Next()
    {
        lock (Issued)
        {
            while (true)
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
                if (Issued.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
