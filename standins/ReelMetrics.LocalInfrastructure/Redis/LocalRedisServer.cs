using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Garnet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ReelMetrics.LocalInfrastructure.Redis;

/// <summary>
/// A Redis-compatible server (Microsoft Garnet) hosted in this process on 127.0.0.1, with Lua scripting enabled.
/// Data is kept in memory only: a stop followed by <see cref="Start"/> (same port) behaves like a Redis restart without persistence.
/// </summary>
/// <param name="options">How to run the server; null uses the defaults.</param>
/// <param name="logger">Receives Garnet's warnings and errors and this class's messages; null discards them.</param>
public sealed class LocalRedisServer(LocalRedisOptions? options = null, ILogger? logger = null) : IDisposable, IAsyncDisposable
{
    private readonly LocalRedisOptions options = options ?? new LocalRedisOptions();
    private readonly ILogger logger = logger ?? NullLogger.Instance;
    private readonly Lock gate = new();
    private GarnetServer? server;
    private ILoggerFactory? garnetLoggers;
    private int port;

    /// <summary>The TCP port on 127.0.0.1; known once the server has been started.</summary>
    public int Port => port != 0 ? port : throw new InvalidOperationException("The server has not been started yet.");

    /// <summary>Whether the server is accepting connections.</summary>
    public bool IsRunning => server is not null;

    /// <summary>StackExchange.Redis connection string: <c>127.0.0.1:port</c>, plus <c>,password=…</c> when a password is set.</summary>
    public string ConnectionString => GetConnectionString();

    /// <summary>Connection string as <see cref="ConnectionString"/>, selecting logical database <paramref name="database"/> when given.</summary>
    public string GetConnectionString(int? database = null)
    {
        var connection = $"127.0.0.1:{Port}";
        if (!string.IsNullOrEmpty(options.Password))
        {
            connection += $",password={options.Password}";
        }

        return database is null ? connection : connection + $",defaultDatabase={database.Value.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Creates and starts a server.</summary>
    public static LocalRedisServer StartNew(LocalRedisOptions? options = null, ILogger? logger = null)
    {
        var redis = new LocalRedisServer(options, logger);
        redis.Start();
        return redis;
    }

    /// <summary>Starts accepting connections (on the same port as before after a <see cref="Stop"/>). Does nothing when running.</summary>
    public void Start()
    {
        lock (gate)
        {
            if (server is not null)
            {
                return;
            }

            if (port == 0)
            {
                port = options.Port != 0 ? options.Port : FreePort.Next();
            }

            garnetLoggers ??= LoggerFactory.Create(builder => builder
                .SetMinimumLevel(LogLevel.Warning)
                // ArgParser warns at every start that an external logger factory overrides its logging options.
                .AddFilter("ArgParser", LogLevel.Error)
                .AddProvider(new ForwardingLoggerProvider(logger)));

            // Just after a stop, the kernel may briefly still hold the port; a restart on the same port retries for a moment.
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var garnet = new GarnetServer(Arguments(), garnetLoggers);
                try
                {
                    garnet.Start();
                    server = garnet;
                    break;
                }
                catch (Exception e) when (IsAddressInUse(e) && clock.Elapsed < TimeSpan.FromSeconds(5))
                {
                    garnet.Dispose();
                    Thread.Sleep(50);
                }
                catch
                {
                    garnet.Dispose();
                    throw;
                }
            }

            logger.LogInformation("Garnet (Redis protocol) is listening on 127.0.0.1:{Port}", port);
        }
    }

    /// <summary>Stops the server, closing every client connection and discarding all data. Does nothing when stopped.</summary>
    public void Stop()
    {
        lock (gate)
        {
            if (server is null)
            {
                return;
            }

            server.Dispose();
            server = null;
            logger.LogInformation("Garnet on port {Port} has stopped", port);
        }
    }

    /// <summary>Stops the server and releases its resources.</summary>
    public void Dispose()
    {
        Stop();
        garnetLoggers?.Dispose();
    }

    /// <summary>Stops the server and releases its resources.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private string[] Arguments()
    {
        List<string> arguments =
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--lua",
            "--memory", options.MemorySize,
            "--index", options.IndexSize,
            "--index-max-size", options.IndexMaxSize,
            "--max-databases", options.MaxDatabases.ToString(CultureInfo.InvariantCulture),
        ];
        if (!string.IsNullOrEmpty(options.Password))
        {
            arguments.AddRange(["--auth", "Password", "--password", options.Password]);
        }

        arguments.AddRange(options.ExtraArguments);
        return [.. arguments];
    }

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Sends Garnet's log output, tagged with its category, to one logger.</summary>
    private sealed class ForwardingLoggerProvider(ILogger target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CategoryLogger(target, categoryName);

        public void Dispose()
        {
        }

        private sealed class CategoryLogger(ILogger target, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => target.BeginScope(state);

            public bool IsEnabled(LogLevel logLevel) => target.IsEnabled(logLevel);

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                // Garnet reports its background tasks' cancellation at shutdown as errors; a stop is not a failure.
                if (exception is not OperationCanceledException)
                {
                    target.Log(logLevel, eventId, exception, "[{GarnetCategory}] {GarnetMessage}", category, formatter(state, exception));
                }
            }
        }
    }
}
