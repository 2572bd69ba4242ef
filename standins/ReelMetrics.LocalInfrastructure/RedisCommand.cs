using System.CommandLine;
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
    private static readonly LocalRedisOptions Defaults = new();
    private static readonly Option<int> Port = ServerCommandLine.Port(6379);
    private static readonly Option<string> Password = new("--password") { Description = "the password AUTH needs (or REDIS_PASSWORD; default none)" };
    private static readonly Option<string> Memory = new("--memory") { Description = "Garnet's memory size", DefaultValueFactory = _ => Defaults.MemorySize };
    private static readonly Option<string> Index = new("--index") { Description = "Garnet's index size", DefaultValueFactory = _ => Defaults.IndexSize };

    public static Command Create()
    {
        var command = new Command("redis", "Garnet, a Redis-compatible server, in this process") { Port, Password, Memory, Index };
        command.SetAction((parsed, _) => RunAsync(parsed));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parsed)
    {
        using var loggers = ServerCommandLine.CreateLoggerFactory();
        var logger = loggers.CreateLogger("redis");
        var options = Defaults with
        {
            Port = parsed.GetValue(Port),
            Password = ServerCommandLine.OrEnvironment(parsed.GetValue(Password), "REDIS_PASSWORD"),
            MemorySize = parsed.GetRequiredValue(Memory),
            IndexSize = parsed.GetRequiredValue(Index),
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
