using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ReelMetrics.LocalInfrastructure.Kafka;

/// <summary>
/// A loopback TCP forwarder: accepts on a fixed port (127.0.0.1 and, when available, [::1]) and
/// relays each connection, byte for byte, to one upstream endpoint. Each direction is a plain
/// socket receive/send loop over a large pooled buffer (no per-byte work, no streams).
/// Upstream connects are made one at a time, because the upstream (librdkafka's mock broker)
/// listens with a backlog of 5.
/// While "down" the listeners are closed (clients get "connection refused") and every relayed
/// connection is reset; <see cref="SetUp"/> binds the same port again.
/// </summary>
internal sealed class TcpForwarder : IAsyncDisposable
{
    private const int BufferSize = 256 * 1024;

    private readonly IPEndPoint _upstream;
    private readonly Action<string> _log;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly ConcurrentDictionary<Relay, byte> _relays = new();
    private readonly Lock _stateLock = new();
    private readonly CancellationTokenSource _disposed = new();
    private List<(Socket Listener, Task AcceptLoop)> _listeners = [];
    private bool _down;

    private TcpForwarder(IPEndPoint upstream, Action<string> log)
    {
        _upstream = upstream;
        _log = log;
    }

    /// <summary>The public (listening) port.</summary>
    public int Port { get; private set; }

    public bool IsDown
    {
        get { lock (_stateLock) { return _down; } }
    }

    /// <summary>Number of relayed connections currently open.</summary>
    public int ConnectionCount => _relays.Count;

    public static TcpForwarder Start(int port, IPEndPoint upstream, Action<string> log)
    {
        var forwarder = new TcpForwarder(upstream, log);
        if (port != 0)
        {
            forwarder.Listen(port, retryWhileInUse: false);
            return forwarder;
        }
        // Any port: one from FreePort (see there why not the kernel's choice: while the broker is down, SetDown, no
        // client socket may take its port or connect to itself on it). Another process may bind the probed port
        // first; then take the next one.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                forwarder.Listen(FreePort.Next(), retryWhileInUse: false);
                return forwarder;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 20)
            {
            }
        }
    }

    /// <summary>Closes the listeners and resets every relayed connection.</summary>
    public void SetDown()
    {
        List<(Socket Listener, Task AcceptLoop)> listeners;
        lock (_stateLock)
        {
            if (_down)
            {
                return;
            }
            _down = true;
            listeners = _listeners;
            _listeners = [];
        }
        foreach (var (listener, _) in listeners)
        {
            listener.Dispose();
        }
        foreach (var relay in _relays.Keys)
        {
            relay.Abort();
        }
    }

    /// <summary>Listens on the same port again.</summary>
    public void SetUp()
    {
        lock (_stateLock)
        {
            if (!_down)
            {
                return;
            }
            _down = false;
        }
        Listen(Port, retryWhileInUse: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }
        _disposed.Cancel();
        List<(Socket Listener, Task AcceptLoop)> listeners;
        lock (_stateLock)
        {
            listeners = _listeners;
            _listeners = [];
        }
        foreach (var (listener, _) in listeners)
        {
            listener.Dispose();
        }
        foreach (var relay in _relays.Keys)
        {
            relay.Abort();
        }
        await Task.WhenAll(listeners.Select(l => l.AcceptLoop)).ConfigureAwait(false);
        _disposed.Dispose();
    }

    private void Listen(int port, bool retryWhileInUse)
    {
        // Binding the port again right after closing it (SetUp) can briefly fail; retry for a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        Socket v4;
        while (true)
        {
            try
            {
                v4 = Bind(new IPEndPoint(IPAddress.Loopback, port));
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && retryWhileInUse && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
        Port = ((IPEndPoint)v4.LocalEndPoint!).Port;
        var listeners = new List<Socket> { v4 };
        if (Socket.OSSupportsIPv6)
        {
            try
            {
                listeners.Add(Bind(new IPEndPoint(IPAddress.IPv6Loopback, Port)));
            }
            catch (SocketException e)
            {
                _log($"[::1]:{Port} not available ({e.SocketErrorCode}); listening on 127.0.0.1 only");
            }
        }
        lock (_stateLock)
        {
            _listeners = [.. listeners.Select(l => (l, Task.Run(() => AcceptLoopAsync(l))))];
        }
    }

    private static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // Plain SO_REUSEADDR (SOL_SOCKET = 1, SO_REUSEADDR = 2), so SetUp can bind again while old
                // connections linger in TIME_WAIT. Not SocketOptionName.ReuseAddress: on Linux .NET adds
                // SO_REUSEPORT to it, which would let a second broker bind the same port.
                socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
            }
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            socket.Bind(endPoint);
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_disposed.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return; // closed by SetDown/DisposeAsync
            }
            if (IsDown)
            {
                Reset(client);
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var upstream = new Socket(_upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var relay = new Relay(client, upstream);
        _relays[relay] = 0;
        try
        {
            client.NoDelay = true;
            upstream.NoDelay = true;
            await _connectGate.WaitAsync(_disposed.Token).ConfigureAwait(false);
            try
            {
                await upstream.ConnectAsync(_upstream, _disposed.Token).ConfigureAwait(false);
            }
            finally
            {
                _connectGate.Release();
            }
            if (IsDown)
            {
                return;
            }
            await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!IsDown && !_disposed.IsCancellationRequested && e is SocketException { SocketErrorCode: not SocketError.ConnectionReset })
            {
                _log($"relay {client.RemoteEndPoint} -> {_upstream} failed: {e.Message}");
            }
        }
        finally
        {
            _relays.TryRemove(relay, out _);
            client.Dispose();
            upstream.Dispose();
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/> until end of stream, then half-closes <paramref name="to"/>.</summary>
    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var received = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                var sent = 0;
                while (sent < received)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, received - sent), SocketFlags.None).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The other pump, SetDown or DisposeAsync closed the sockets: end both directions.
            Reset(from);
            Reset(to);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes a socket with an RST rather than a graceful FIN.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }

    private sealed class Relay(Socket client, Socket upstream)
    {
        public void Abort()
        {
            Reset(client);
            Reset(upstream);
        }
    }
}
