using Microsoft.Extensions.Logging;
using ReelMetrics.LocalInfrastructure.Postgres;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>
/// <c>postgres [--port N] [--data-dir PATH] [--password X] [--database NAME]… [--bin-dir PATH]</c>: runs a local PostgreSQL server
/// until SIGTERM/SIGINT. The password may come from POSTGRES_PASSWORD instead of the command line.
/// Exit codes: 0 stopped on request, 1 failed or the server died, 2 bad arguments, 3 PostgreSQL is not installed.
/// </summary>
public static class PostgresCommand
{
    /// <summary>Runs the subcommand; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var commandLine = ServerCommandLine.Parse("postgres", args, "--port", "--data-dir", "--password", "--database", "--bin-dir");
        var port = commandLine?.GetPort("--port", 5432);
        if (commandLine is null || port is null)
        {
            if (port is null && commandLine is not null)
            {
                Console.Error.WriteLine("postgres: --port must be a number from 0 to 65535");
            }

            return 2;
        }

        using var loggers = ServerCommandLine.CreateLoggerFactory();
        var logger = loggers.CreateLogger("postgres");
        var password = commandLine.GetOrEnvironment("--password", "POSTGRES_PASSWORD");
        if (password is null)
        {
            logger.LogWarning("No --password or POSTGRES_PASSWORD given: the postgres user's password is 'postgres'");
        }

        var options = new LocalPostgresOptions
        {
            Port = port.Value,
            DataDirectory = commandLine.Get("--data-dir"),
            Password = password ?? "postgres",
            BinDirectory = commandLine.Get("--bin-dir"),
        };

        using var shutdown = new ShutdownSignal();
        await using var server = new LocalPostgresServer(options, logger);
        try
        {
            await server.StartAsync(shutdown.Token);
            foreach (var database in commandLine.GetAll("--database"))
            {
                await server.CreateDatabaseAsync(database, shutdown.Token);
            }
        }
        catch (PostgresNotFoundException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 3;
        }
        catch (OperationCanceledException) when (shutdown.IsRequested)
        {
            return 0;
        }
        catch (Exception e)
        {
            logger.LogError(e, "PostgreSQL could not be started: {Reason}", e.Message);
            return 1;
        }

        logger.LogInformation("Ready: Host=127.0.0.1;Port={Port};Username={Username};Password=(hidden); data directory {DataDirectory}",
            server.Port, LocalPostgresServer.Username, server.DataDirectory);

        var exited = server.WaitForExitAsync();
        await Task.WhenAny(exited, shutdown.WaitAsync());
        if (!shutdown.IsRequested)
        {
            logger.LogError("PostgreSQL exited unexpectedly with code {ExitCode}", await exited);
            return 1;
        }

        await server.StopAsync();
        return 0;
    }
}
