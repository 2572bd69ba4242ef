using System.CommandLine;
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
    private static readonly Option<int> Port = ServerCommandLine.Port(5432);
    private static readonly Option<string> DataDirectory = new("--data-dir") { Description = "the data directory (default: the server's own)" };
    private static readonly Option<string> Password = new("--password") { Description = "the postgres user's password (or POSTGRES_PASSWORD)" };
    private static readonly Option<string[]> Databases = new("--database") { Description = "a database to create when missing (repeatable)" };
    private static readonly Option<string> BinDirectory = new("--bin-dir") { Description = "where PostgreSQL's programs are (default: searched)" };

    public static Command Create()
    {
        var command = new Command("postgres", "a local PostgreSQL server") { Port, DataDirectory, Password, Databases, BinDirectory };
        command.SetAction((parsed, _) => RunAsync(parsed));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parsed)
    {
        using var loggers = ServerCommandLine.CreateLoggerFactory();
        var logger = loggers.CreateLogger("postgres");
        var password = ServerCommandLine.OrEnvironment(parsed.GetValue(Password), "POSTGRES_PASSWORD");
        if (password is null)
        {
            logger.LogWarning("No --password or POSTGRES_PASSWORD given: the postgres user's password is 'postgres'");
        }

        var options = new LocalPostgresOptions
        {
            Port = parsed.GetValue(Port),
            DataDirectory = parsed.GetValue(DataDirectory),
            Password = password ?? "postgres",
            BinDirectory = parsed.GetValue(BinDirectory),
        };

        using var shutdown = new ShutdownSignal();
        await using var server = new LocalPostgresServer(options, logger);
        try
        {
            await server.StartAsync(shutdown.Token);
            foreach (var database in parsed.GetValue(Databases) ?? [])
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
