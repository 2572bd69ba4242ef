using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ReelMetrics.LocalInfrastructure.Postgres;

/// <summary>
/// A PostgreSQL server run from the machine's own binaries, without containers: initialises a persistent data directory
/// on first use, starts <c>postgres</c> on 127.0.0.1, relays its log lines to an <see cref="ILogger"/>, and stops it with a
/// fast shutdown. When this process is root, the server runs as <see cref="LocalPostgresOptions.OsAccount"/>.
/// </summary>
/// <remarks>
/// Host connections authenticate with scram-sha-256 and <see cref="LocalPostgresOptions.Password"/>. Unix-socket connections
/// are trusted, but the socket lives in the data directory (mode 0700), so only the server's account and root reach it.
/// The object can be started again after <see cref="StopAsync"/>; it keeps its port.
/// </remarks>
/// <param name="options">How to run the server; null uses the defaults.</param>
/// <param name="logger">Receives the server's own log lines and this class's; null discards them.</param>
public sealed partial class LocalPostgresServer(LocalPostgresOptions? options = null, ILogger? logger = null) : IAsyncDisposable
{
    /// <summary>The superuser every connection string uses.</summary>
    public const string Username = "postgres";

    private const string OwnerFileName = "reelmetrics.owner";
    private const int MaxSocketDirectoryBytes = 90; // sun_path holds 108 bytes, and "/.s.PGSQL.<port>" must fit too

    private readonly LocalPostgresOptions options = options ?? new LocalPostgresOptions();
    private readonly ILogger logger = logger ?? NullLogger.Instance;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Queue<string> recentOutput = new();

    private Account? account;
    private bool startedThroughRunuser;
    private Process? process;
    private TaskCompletionSource<int> exited = CompletedExit();
    private int port;

    /// <summary>The absolute path of the cluster's data directory.</summary>
    public string DataDirectory { get; } = Path.GetFullPath((options ?? new LocalPostgresOptions()).DataDirectory ?? LocalPostgresOptions.DefaultDataDirectory);

    /// <summary>The TCP port on 127.0.0.1; known once the server has been started.</summary>
    public int Port => port != 0 ? port : throw new InvalidOperationException("The server has not been started yet.");

    /// <summary>Whether the postmaster is running.</summary>
    public bool IsRunning => process is { HasExited: false };

    /// <summary>The postmaster's process id while it runs.</summary>
    public int? ProcessId => process is { HasExited: false } running ? PostmasterPid(running) : null;

    /// <summary>Connection string for the <c>postgres</c> database: <c>Host=127.0.0.1;Port=N;Username=postgres;Password=…</c>.</summary>
    public string ConnectionString => GetConnectionString();

    /// <summary>Connection string over TCP with the superuser's password, for <paramref name="database"/> when given.</summary>
    public string GetConnectionString(string? database = null)
    {
        var builder = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = Username, Password = options.Password };
        if (database is not null)
        {
            builder.Database = database;
        }

        return builder.ConnectionString;
    }

    /// <summary>Creates, configures and starts a server, waiting until it accepts connections.</summary>
    public static async Task<LocalPostgresServer> StartNewAsync(LocalPostgresOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var server = new LocalPostgresServer(options, logger);
        try
        {
            await server.StartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Initialises the data directory if needed, recovers from a previous run that was killed, starts the server and returns
    /// once it accepts password connections on <see cref="Port"/>. Does nothing when already running.
    /// </summary>
    /// <exception cref="PostgresNotFoundException">The PostgreSQL server binaries are not installed.</exception>
    /// <exception cref="TimeoutException">The server did not become ready within <see cref="LocalPostgresOptions.StartupTimeout"/>.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (IsRunning)
            {
                return;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.StartupTimeout);
            try
            {
                await StartCoreAsync(deadline.Token);
            }
            catch (Exception e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await KillAsync();
                throw new TimeoutException($"PostgreSQL did not accept connections within {options.StartupTimeout.TotalSeconds:0}s. {RecentOutput()}", e);
            }
            catch
            {
                await KillAsync();
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Stops the server with a fast shutdown (SIGINT: open sessions are rolled back, a checkpoint is written) and waits for it;
    /// if that takes longer than <see cref="LocalPostgresOptions.ShutdownTimeout"/>, shuts down immediately. Does nothing when stopped.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var running = process;
            if (running is null)
            {
                return;
            }

            if (!running.HasExited)
            {
                logger.LogInformation("Stopping PostgreSQL (fast shutdown) on port {Port}", port);
                var pid = PostmasterPid(running);
                Posix.Signal(pid, Posix.SigInt);
                if (!await WaitForExitAsync(running, options.ShutdownTimeout, cancellationToken))
                {
                    logger.LogWarning("PostgreSQL did not finish a fast shutdown within {Seconds}s; shutting down immediately", options.ShutdownTimeout.TotalSeconds);
                    Posix.Signal(pid, Posix.SigQuit);
                    if (!await WaitForExitAsync(running, TimeSpan.FromSeconds(10), cancellationToken))
                    {
                        running.Kill(entireProcessTree: true);
                        await running.WaitForExitAsync(cancellationToken);
                    }
                }
            }

            Release(running);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Completes with the postmaster's exit code when it exits, for whatever reason; at once when it is not running.</summary>
    public Task<int> WaitForExitAsync(CancellationToken cancellationToken = default) => exited.Task.WaitAsync(cancellationToken);

    /// <summary>Creates database <paramref name="name"/> unless it exists (safe to call concurrently) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (Encoding.UTF8.GetByteCount(name) > 63)
        {
            throw new ArgumentException("PostgreSQL database names are at most 63 bytes long.", nameof(name));
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)}", connection);
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
                logger.LogInformation("Created database {Database}", name);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
            {
                // Created concurrently by someone else: that is the state we wanted.
            }
        }

        return GetConnectionString(name);
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        gate.Dispose();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var bin = PostgresBinaries.Find(options.BinDirectory);
        account ??= ResolveAccount();
        if (port == 0)
        {
            port = options.Port != 0 ? options.Port : FreePort.Next();
        }

        await InitializeAsync(bin, cancellationToken);
        await RecoverAsync(DataDirectory, logger, options.ShutdownTimeout, cancellationToken);

        var socketDirectory = PrepareSocketDirectory();
        var arguments = new List<string> { "-D", DataDirectory, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", socketDirectory };
        foreach (var (name, value) in ServerSettings())
        {
            arguments.Add("-c");
            arguments.Add($"{name}={value}");
        }

        lock (recentOutput)
        {
            recentOutput.Clear();
        }

        var started = new Process { StartInfo = AsAccount(Path.Combine(bin, "postgres"), arguments), EnableRaisingEvents = true };
        startedThroughRunuser = started.StartInfo.FileName == "runuser";
        var exit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        started.OutputDataReceived += (_, e) => Relay(e.Data);
        started.ErrorDataReceived += (_, e) => Relay(e.Data);
        started.Exited += (_, _) => exit.TrySetResult(started.ExitCode);
        logger.LogInformation("Starting PostgreSQL from {Bin} on 127.0.0.1:{Port} with data directory {DataDirectory}", bin, port, DataDirectory);
        started.Start();
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        exited = exit;
        WriteOwnerFile();

        await WaitUntilReadyAsync(socketDirectory, exit.Task, cancellationToken);
        logger.LogInformation("PostgreSQL is ready on 127.0.0.1:{Port}", port);
    }

    private async Task WaitUntilReadyAsync(string socketDirectory, Task<int> exit, CancellationToken cancellationToken)
    {
        // The socket connection (trusted) proves this very server is up, whatever else may listen on the port, and lets the
        // configured password be applied even when it differs from the one the cluster was initialised with.
        Exception? lastError = null;
        while (true)
        {
            if (exit.IsCompleted)
            {
                throw new InvalidOperationException($"PostgreSQL exited with code {exit.Result} while starting. {RecentOutput()}", lastError);
            }

            try
            {
                await using var admin = new NpgsqlConnection(AdminConnectionString(socketDirectory));
                await admin.OpenAsync(cancellationToken);
                await using var setPassword = new NpgsqlCommand($"ALTER ROLE {Username} WITH PASSWORD {QuoteLiteral(options.Password)}", admin);
                await setPassword.ExecuteNonQueryAsync(cancellationToken);
                break;
            }
            catch (Exception e) when (e is NpgsqlException && !cancellationToken.IsCancellationRequested)
            {
                lastError = e;
            }

            // Poll again soon, or at once if the server exits meanwhile.
            await Task.WhenAny(exit, Task.Delay(50, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }

        var tcp = new NpgsqlConnectionStringBuilder(GetConnectionString()) { Pooling = false, Timeout = 10 };
        await using var connection = new NpgsqlConnection(tcp.ConnectionString);
        await connection.OpenAsync(cancellationToken);
    }

    private async Task KillAsync()
    {
        if (process is { } running)
        {
            if (!running.HasExited)
            {
                Posix.Signal(PostmasterPid(running), Posix.SigQuit);
                if (!await WaitForExitAsync(running, TimeSpan.FromSeconds(10), CancellationToken.None))
                {
                    running.Kill(entireProcessTree: true);
                    await running.WaitForExitAsync();
                }
            }

            Release(running);
        }
    }

    /// <summary>The process to signal: the started process itself, unless runuser sits between it and postgres.</summary>
    private int PostmasterPid(Process running)
    {
        if (!startedThroughRunuser)
        {
            return running.Id;
        }

        try
        {
            using var stream = new FileStream(Path.Combine(DataDirectory, "postmaster.pid"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return int.TryParse(reader.ReadLine(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : running.Id;
        }
        catch (IOException)
        {
            return running.Id;
        }
    }

    private void Release(Process stopped)
    {
        exited.TrySetResult(stopped.ExitCode);
        stopped.Dispose();
        process = null;
        logger.LogInformation("PostgreSQL on port {Port} has stopped", port);
    }

    private static async Task<bool> WaitForExitAsync(Process running, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await running.WaitForExitAsync(limit.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private string AdminConnectionString(string? socketDirectory = null) => new NpgsqlConnectionStringBuilder
    {
        Host = socketDirectory ?? PrepareSocketDirectory(),
        Port = Port,
        Username = Username,
        Database = "postgres",
        Pooling = false,
        Timeout = 5,
    }.ConnectionString;

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static TaskCompletionSource<int> CompletedExit()
    {
        var completed = new TaskCompletionSource<int>();
        completed.SetResult(0);
        return completed;
    }
}
