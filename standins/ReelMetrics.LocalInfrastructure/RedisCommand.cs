using Microsoft.Extensions.Logging;
using ReelMetrics.LocalInfrastructure.Redis;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>
/// <c>redis [--port N] [--password X] [--memory SIZE] [--index SIZE]</c>: runs Garnet, a Redis-compatible server, in this process
/// until SIGTERM/SIGINT. The password may come from REDIS_PASSWORD instead of the command line; without one, no AUTH is needed.
/// Exit codes: 0 stopped on request, 1 failed to start, 2 bad arguments.
/// </summary>
public static class RedisCommand
{
    /// <summary>Runs the subcommand; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var commandLine = ServerCommandLine.Parse("redis", args, "--port", "--password", "--memory", "--index");
        var port = commandLine?.GetPort("--port", 6379);
        if (commandLine is null || port is null)
        {
            if (port is null && commandLine is not null)
            {
                Console.Error.WriteLine("redis: --port must be a number from 0 to 65535");
            }

            return 2;
        }

        using var loggers = ServerCommandLine.CreateLoggerFactory();
        var logger = loggers.CreateLogger("redis");
        var defaults = new LocalRedisOptions();
        var options = defaults with
        {
            Port = port.Value,
            Password = commandLine.GetOrEnvironment("--password", "REDIS_PASSWORD"),
            MemorySize = commandLine.Get("--memory") ?? defaults.MemorySize,
            IndexSize = commandLine.Get("--index") ?? defaults.IndexSize,
        };

        using var shutdown = new ShutdownSignal();
        using var server = new LocalRedisServer(options, logger);
        try
        {
            server.Start();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Garnet could not be started: {Reason}", e.Message);
            return 1;
        }

        logger.LogInformation("Ready: 127.0.0.1:{Port}{Auth}", server.Port, string.IsNullOrEmpty(options.Password) ? " (no password)" : ",password=(hidden)");
        await shutdown.WaitAsync();
        server.Stop();
        return 0;
    }
}
