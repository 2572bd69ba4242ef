using System.Diagnostics;
using ReelMetrics.LocalInfrastructure.Hosting;

namespace ReelMetrics.AppHost.Infrastructure;

/// <summary>How Kafka, PostgreSQL and Redis are backed: configuration key <c>ReelMetrics:Infrastructure</c>.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, otherwise local processes.</summary>
    Auto,

    /// <summary>PostgreSQL, Redis and a KRaft Kafka broker in containers.</summary>
    Containers,

    /// <summary>Locally installed PostgreSQL, Microsoft Garnet and librdkafka's mock cluster: no container runtime needed.</summary>
    Local,
}

/// <summary>The mode that will be used and the reason, for the start-up log.</summary>
public sealed record InfrastructureChoice(InfrastructureMode Mode, string Reason);

public static class InfrastructureModeResolver
{
    public const string ConfigurationKey = $"{AppHostSettings.Section}:{nameof(AppHostSettings.Infrastructure)}";

    /// <summary>
    /// Resolves <see cref="InfrastructureMode.Auto"/> by asking the container runtime whether it
    /// runs (a client alone is not enough: `docker --version` answers on machines with no engine).
    /// </summary>
    public static InfrastructureChoice Resolve(AppHostSettings settings, Func<bool>? containerRuntimeAnswers = null, Func<string?>? findPostgres = null)
    {
        var mode = settings.Infrastructure;
        if (mode != InfrastructureMode.Auto)
        {
            return new(mode, $"{ConfigurationKey} is {mode}");
        }

        containerRuntimeAnswers ??= () => ContainerRuntimeAnswers(settings.ContainerRuntime);
        if (containerRuntimeAnswers())
        {
            return new(InfrastructureMode.Containers, "a container runtime answered");
        }

        findPostgres ??= LocalInfrastructureProgram.FindPostgres;
        if (findPostgres() is { } binaries)
        {
            return new(InfrastructureMode.Local, $"no container runtime answered; using local PostgreSQL at {binaries}, Garnet and the librdkafka mock cluster");
        }

        throw new DistributedApplicationException(
            "ReelMetrics needs either a running container runtime (Docker or Podman) or the PostgreSQL server binaries. " +
            "Install one of them, e.g. `apt-get install postgresql` (Debian/Ubuntu) or `brew install postgresql` (macOS), then run again.");
    }

    private static bool ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return false;
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;   // the runtime's client is not installed
        }
    }
}
