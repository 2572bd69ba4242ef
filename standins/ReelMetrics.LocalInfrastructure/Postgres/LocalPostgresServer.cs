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
public sealed class LocalPostgresServer(LocalPostgresOptions? options = null, ILogger? logger = null) : IAsyncDisposable
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

    /// <summary>
    /// Stops a postmaster still serving <paramref name="dataDirectory"/> after the process that started it (through this class)
    /// died, waits for its leftover backends, and removes a stale <c>postmaster.pid</c>. Linux only; elsewhere it does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The directory is served by a server whose starting process is still alive.</exception>
    public static Task StopOrphanAsync(string dataDirectory, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        RecoverAsync(Path.GetFullPath(dataDirectory), logger ?? NullLogger.Instance, TimeSpan.FromSeconds(30), cancellationToken);

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

    private IEnumerable<KeyValuePair<string, string>> ServerSettings()
    {
        var durable = options.Durable ? "on" : "off";
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["listen_addresses"] = "127.0.0.1",
            // Every password set from here on is stored as a SCRAM verifier (the default since PostgreSQL 14; not before).
            ["password_encryption"] = "scram-sha-256",
            ["max_connections"] = "200",
            ["shared_buffers"] = "256MB",
            ["effective_cache_size"] = "2GB",
            ["work_mem"] = "16MB",
            ["maintenance_work_mem"] = "256MB",
            ["wal_buffers"] = "16MB",
            // Bulk ingestion fills WAL fast; bigger WAL spacing means fewer checkpoints and fewer full-page images.
            ["max_wal_size"] = "4GB",
            ["min_wal_size"] = "512MB",
            ["checkpoint_timeout"] = "15min",
            ["checkpoint_completion_target"] = "0.9",
            ["random_page_cost"] = "1.1",
            ["fsync"] = durable,
            ["synchronous_commit"] = durable,
            ["full_page_writes"] = durable,
        };
        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }

        return settings;
    }

    private async Task InitializeAsync(string bin, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(DataDirectory) ?? throw new InvalidOperationException("The data directory cannot be a file system root.");
        Directory.CreateDirectory(parent);
        RefuseSharedAncestors(parent);
        await EnsureAccountCanReachAsync(parent, cancellationToken);

        // Checked before anything below looks inside: File.Exists and chown would follow a link.
        if (Posix.LStat(DataDirectory) is { } existing && (existing.IsSymbolicLink || !existing.IsDirectory))
        {
            throw Unsafe(DataDirectory, existing.IsSymbolicLink ? "is a symbolic link, which is never followed" : "is not a directory");
        }

        var versionFile = Path.Combine(DataDirectory, "PG_VERSION");
        if (File.Exists(versionFile))
        {
            await CheckVersionAsync(bin, versionFile, cancellationToken);
            if (account is not null && !await AccountPassesAsync("-O", DataDirectory, cancellationToken))
            {
                logger.LogWarning("Giving {Account} ownership of {DataDirectory}", account.Name, DataDirectory);
                ChangeOwnerRecursively(DataDirectory, account);
            }

            EnsurePrivateDirectory(DataDirectory);
            return;
        }

        if (Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new InvalidOperationException(
                $"{DataDirectory} is not empty but holds no PostgreSQL cluster (no PG_VERSION file): choose another data directory or empty it.");
        }

        // initdb works in a staging directory that is renamed when complete, so a run killed during initdb leaves nothing
        // that looks like a cluster; its leftovers are removed on the next attempt.
        var staging = DataDirectory + ".initdb";
        switch (Posix.LStat(staging))
        {
            case { IsSymbolicLink: true }:
                File.Delete(staging);   // removes the link, not what it points to
                break;
            case { IsDirectory: true }:
                Directory.Delete(staging, recursive: true);
                break;
        }

        EnsurePrivateDirectory(staging);
        var passwordFile = Path.Combine(parent, $".pwfile-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllTextAsync(passwordFile, options.Password + "\n", cancellationToken);
            Posix.SetMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            GiveToAccount(passwordFile);

            var locale = await PickLocaleAsync(cancellationToken);
            List<string> arguments =
            [
                "-D", staging, "-U", Username, $"--pwfile={passwordFile}",
                "--auth-host=scram-sha-256", "--auth-local=trust", "--encoding=UTF8", $"--locale={locale}",
            ];
            if (!options.Durable)
            {
                arguments.Add("--no-sync");
            }

            logger.LogInformation("Initialising a new PostgreSQL cluster in {DataDirectory} (locale {Locale})", DataDirectory, locale);
            var (exitCode, output) = await RunToEndAsync(AsAccount(Path.Combine(bin, "initdb"), arguments), cancellationToken);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"initdb failed with exit code {exitCode}: {output}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }

        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory);
        }

        Directory.Move(staging, DataDirectory);
    }

    private async Task CheckVersionAsync(string bin, string versionFile, CancellationToken cancellationToken)
    {
        var clusterVersion = (await File.ReadAllTextAsync(versionFile, cancellationToken)).Trim();
        var (_, output) = await RunToEndAsync(new ProcessStartInfo(Path.Combine(bin, "postgres"), ["--version"]), cancellationToken);
        // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)": the major version is the first number.
        var binaryMajor = output.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.Split('.')[0])
            .FirstOrDefault(word => word.Length > 0 && word.All(char.IsAsciiDigit));
        if (binaryMajor is not null && binaryMajor != clusterVersion)
        {
            throw new InvalidOperationException(
                $"{DataDirectory} holds a PostgreSQL {clusterVersion} cluster but {bin} is PostgreSQL {binaryMajor}: "
                + "pass the matching binaries' directory, or another data directory.");
        }
    }

    private static async Task<string> PickLocaleAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (exitCode, output) = await RunToEndAsync(new ProcessStartInfo("locale", ["-a"]), cancellationToken);
            var available = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return exitCode == 0 && available.Any(l => l.Equals("C.utf8", StringComparison.OrdinalIgnoreCase) || l.Equals("C.UTF-8", StringComparison.OrdinalIgnoreCase))
                ? "C.UTF-8"
                : "C";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "C"; // no `locale` program: C is always there
        }
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

    private static async Task RecoverAsync(string dataDirectory, ILogger logger, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        // Without /proc a live postmaster cannot be told from a stale lock file; postgres then judges the file itself.
        if (!File.Exists(pidFile) || !Directory.Exists("/proc/self"))
        {
            return;
        }

        var realDirectory = Posix.RealPath(dataDirectory);
        var lines = await ReadLinesSharedAsync(pidFile, cancellationToken);
        if (lines.Length > 0 && int.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && Posix.WorkingDirectoryOf(pid) == realDirectory)
        {
            // A postmaster still serves this directory (postgres processes run with the data directory as working directory).
            var owner = await ReadOwnerAsync(dataDirectory, cancellationToken);
            if (owner is null || owner.IsAlive)
            {
                throw new InvalidOperationException(
                    $"The PostgreSQL data directory {dataDirectory} is in use by postmaster PID {pid}"
                    + (owner is null ? ", which was not started by ReelMetrics." : $", started by process {owner.Pid}, which is still running."));
            }

            logger.LogWarning("Stopping postmaster PID {Pid} left running on {DataDirectory} by process {Owner}, which no longer exists",
                pid, dataDirectory, owner.Pid);
            Posix.Signal(pid, Posix.SigInt);
            if (!await PollAsync(() => Posix.WorkingDirectoryOf(pid) != realDirectory, timeout, cancellationToken))
            {
                Posix.Signal(pid, Posix.SigQuit);
                await PollAsync(() => Posix.WorkingDirectoryOf(pid) != realDirectory, TimeSpan.FromSeconds(10), cancellationToken);
            }
        }

        // Backends of a killed postmaster notice its death and exit within moments; until they have, they keep the old
        // shared memory attached and postgres refuses to start.
        if (!await PollAsync(() => Posix.ProcessesWorkingIn(realDirectory).Count == 0, timeout, cancellationToken))
        {
            var leftovers = Posix.ProcessesWorkingIn(realDirectory);
            logger.LogWarning("Killing leftover PostgreSQL processes {Pids} of {DataDirectory}", string.Join(", ", leftovers), dataDirectory);
            foreach (var leftover in leftovers)
            {
                Posix.Signal(leftover, Posix.SigKill);
            }

            if (!await PollAsync(() => Posix.ProcessesWorkingIn(realDirectory).Count == 0, TimeSpan.FromSeconds(10), cancellationToken))
            {
                throw new InvalidOperationException($"PostgreSQL processes {string.Join(", ", leftovers)} of {dataDirectory} would not exit.");
            }
        }

        if (File.Exists(pidFile))
        {
            logger.LogInformation("Removing stale postmaster.pid from {DataDirectory}", dataDirectory);
            File.Delete(pidFile);
        }
    }

    /// <summary>Checks a condition until it holds or the time is up; the condition involves other processes, so it must be polled.</summary>
    private static async Task<bool> PollAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken);
        }

        return true;
    }

    private static async Task<string[]> ReadLinesSharedAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return (await reader.ReadToEndAsync(cancellationToken)).Split('\n');
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    private void WriteOwnerFile()
    {
        var self = Environment.ProcessId;
        File.WriteAllText(Path.Combine(DataDirectory, OwnerFileName), $"{self} {Posix.StartTimeOf(self)}\n");
    }

    private static async Task<Owner?> ReadOwnerAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var lines = await ReadLinesSharedAsync(Path.Combine(dataDirectory, OwnerFileName), cancellationToken);
        var fields = lines.FirstOrDefault()?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return fields.Length > 0 && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new Owner(pid, fields.Length > 1 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : null)
            : null;
    }

    private string PrepareSocketDirectory()
    {
        if (Encoding.UTF8.GetByteCount(DataDirectory) <= MaxSocketDirectoryBytes)
        {
            return DataDirectory;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(DataDirectory)))[..12];
        // In a shared temporary directory anyone could have made this name first: it must be ours and private.
        var directory = Path.Combine(Path.GetTempPath(), $"reelmetrics-pg-{hash}");
        EnsurePrivateDirectory(directory);
        return directory;
    }

    /// <summary>
    /// Makes <paramref name="path"/> a directory that only the server's account may enter (mode 0700), creating it when
    /// missing. Refuses a symbolic link (checked with lstat, never followed), anything but a directory, and a directory
    /// another account owns; a directory of the right owner with looser permissions is tightened.
    /// </summary>
    private void EnsurePrivateDirectory(string path)
    {
        if (Posix.LStat(path) is null)
        {
            CreatePrivateDirectory(path);
        }

        var status = Posix.LStat(path) ?? throw new IOException($"{path} disappeared while it was being created.");
        if (status.IsSymbolicLink)
        {
            throw Unsafe(path, "is a symbolic link, which is never followed");
        }

        if (!status.IsDirectory)
        {
            throw Unsafe(path, "is not a directory");
        }

        var owner = account?.Uid ?? Posix.EffectiveUid;
        if (status.Uid is { } uid && uid != owner)
        {
            throw Unsafe(path, $"belongs to uid {uid}, not to the account that runs PostgreSQL (uid {owner})");
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if ((status.Mode & ~ownerOnly) != 0)
        {
            logger.LogWarning("Restricting {Directory} to its owner (mode was {Mode})", path, Convert.ToString((int)status.Mode, 8));
            Posix.SetMode(path, ownerOnly);
        }
    }

    /// <summary>Refuses a data directory below a directory anyone may write to without the sticky bit: they could swap it.</summary>
    private static void RefuseSharedAncestors(string directory)
    {
        for (var current = Posix.RealPath(directory); current is not null; current = Path.GetDirectoryName(current))
        {
            if (Posix.LStat(current) is { } status
                && status.Mode.HasFlag(UnixFileMode.OtherWrite) && !status.Mode.HasFlag(UnixFileMode.StickyBit))
            {
                throw Unsafe(current, "may be written by anyone (and has no sticky bit), so what lies below it could be replaced");
            }
        }
    }

    private static InvalidOperationException Unsafe(string path, string reason) =>
        new($"Refusing to use {path} for PostgreSQL: it {reason}. Remove it or choose another data directory.");

    private void CreatePrivateDirectory(string path)
    {
        Posix.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        GiveToAccount(path);
    }

    private void GiveToAccount(string path)
    {
        if (account is not null)
        {
            Posix.ChangeOwner(path, account.Uid, account.Gid);
        }
    }

    private static void ChangeOwnerRecursively(string directory, Account owner)
    {
        Posix.ChangeOwner(directory, owner.Uid, owner.Gid);
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            Posix.ChangeOwner(entry, owner.Uid, owner.Gid);
        }
    }

    /// <summary>Makes sure the server's account can traverse <paramref name="directory"/>, granting others search permission on blocking ancestors.</summary>
    private async Task EnsureAccountCanReachAsync(string directory, CancellationToken cancellationToken)
    {
        if (account is null || await AccountPassesAsync("-x", directory, cancellationToken))
        {
            return;
        }

        for (var current = directory; current is not null; current = Path.GetDirectoryName(current))
        {
            var mode = Posix.GetMode(current);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                logger.LogWarning("Granting search (o+x) permission on {Directory} so that {Account} can reach the data directory", current, account.Name);
                Posix.SetMode(current, mode | UnixFileMode.OtherExecute);
            }
        }

        if (!await AccountPassesAsync("-x", directory, cancellationToken))
        {
            throw new InvalidOperationException($"The OS account {account.Name} cannot reach {directory}; choose a data directory it can reach, e.g. under /var/tmp.");
        }
    }

    private async Task<bool> AccountPassesAsync(string testFlag, string path, CancellationToken cancellationToken)
    {
        var (exitCode, _) = await RunToEndAsync(AsAccount("/bin/sh", ["-c", "test \"$1\" \"$2\"", "sh", testFlag, path]), cancellationToken);
        return exitCode == 0;
    }

    private Account? ResolveAccount()
    {
        if (!Posix.IsRoot)
        {
            return null;
        }

        var ids = Posix.FindAccount(options.OsAccount) ?? throw new InvalidOperationException(
            $"PostgreSQL refuses to run as root and there is no '{options.OsAccount}' OS account to run it as "
            + "(`apt-get install postgresql` creates one, or use `useradd --system postgres`).");
        return new Account(options.OsAccount, ids.Uid, ids.Gid);
    }

    /// <summary>Start info for a program run as the server's account (when root) with a neutral working directory and no PG* variables.</summary>
    private ProcessStartInfo AsAccount(string program, IEnumerable<string> arguments)
    {
        ProcessStartInfo info;
        if (account is null)
        {
            info = new ProcessStartInfo(program, arguments);
        }
        else if (File.Exists("/usr/bin/setpriv"))
        {
            // setpriv changes identity and execs the program in place, so signals reach postgres itself. runuser instead
            // stays as a parent that answers SIGINT/SIGTERM with SIGTERM and, two seconds later, SIGKILL to the server.
            info = new ProcessStartInfo("/usr/bin/setpriv",
                [$"--reuid={account.Uid}", $"--regid={account.Gid}", "--init-groups", "--", program, .. arguments]);
        }
        else
        {
            info = new ProcessStartInfo("runuser", ["-u", account.Name, "--", program, .. arguments]);
        }

        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = false;
        info.WorkingDirectory = "/";
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        return info;
    }

    private static async Task<(int ExitCode, string Output)> RunToEndAsync(ProcessStartInfo info, CancellationToken cancellationToken)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var child = Process.Start(info)!;
        var stdout = child.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = child.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await child.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw;
        }

        return (child.ExitCode, (await stdout + await stderr).Trim());
    }

    private void Relay(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        lock (recentOutput)
        {
            recentOutput.Enqueue(line);
            if (recentOutput.Count > 30)
            {
                recentOutput.Dequeue();
            }
        }

        var level = line.Contains("PANIC:", StringComparison.Ordinal) || line.Contains("FATAL:", StringComparison.Ordinal) ? LogLevel.Error
            : line.Contains("ERROR:", StringComparison.Ordinal) ? LogLevel.Warning // a client's failed statement is not the server's error
            : line.Contains("WARNING:", StringComparison.Ordinal) ? LogLevel.Warning
            : LogLevel.Information;
        logger.Log(level, "{PostgresLine}", line);
    }

    private string RecentOutput()
    {
        lock (recentOutput)
        {
            return recentOutput.Count == 0 ? "" : "Last server output:\n" + string.Join('\n', recentOutput);
        }
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

    private sealed record Account(string Name, uint Uid, uint Gid);

    private sealed record Owner(int Pid, long? StartTime)
    {
        public bool IsAlive => Posix.Exists(Pid) && (StartTime is null || Posix.StartTimeOf(Pid) == StartTime);
    }
}
