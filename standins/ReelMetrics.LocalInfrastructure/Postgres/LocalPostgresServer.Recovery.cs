using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ReelMetrics.LocalInfrastructure.Postgres;

// LocalPostgresServer: recovery of a server an earlier process left running (owner file, orphan stop).
public sealed partial class LocalPostgresServer
{
    /// <summary>
    /// Stops a postmaster still serving <paramref name="dataDirectory"/> after the process that started it (through this class)
    /// died, waits for its leftover backends, and removes a stale <c>postmaster.pid</c>. Linux only; elsewhere it does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The directory is served by a server whose starting process is still alive.</exception>
    public static Task StopOrphanAsync(string dataDirectory, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        RecoverAsync(Path.GetFullPath(dataDirectory), logger ?? NullLogger.Instance, TimeSpan.FromSeconds(30), cancellationToken);

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

    private sealed record Owner(int Pid, long? StartTime)
    {
        public bool IsAlive => Posix.Exists(Pid) && (StartTime is null || Posix.StartTimeOf(Pid) == StartTime);
    }
}
