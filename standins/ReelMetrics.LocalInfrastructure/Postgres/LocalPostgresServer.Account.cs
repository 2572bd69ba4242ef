using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ReelMetrics.LocalInfrastructure.Postgres;

// LocalPostgresServer: running as another OS account when root: private directories, ownership, runuser.
public sealed partial class LocalPostgresServer
{
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

    private sealed record Account(string Name, uint Uid, uint Gid);
}
