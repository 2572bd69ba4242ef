using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ReelMetrics.LocalInfrastructure.Postgres;

// LocalPostgresServer: initdb, the cluster's configuration (postgresql.conf settings, pg_hba, locale) and the socket directory.
public sealed partial class LocalPostgresServer
{
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
}
