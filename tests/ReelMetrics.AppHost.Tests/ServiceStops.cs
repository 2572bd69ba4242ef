using System.Globalization;
using System.Runtime.InteropServices;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace ReelMetrics.AppHost.Tests;

/// <summary>
/// Stops a service of the running system the way an orchestrator stops a process: SIGTERM to the service's own process,
/// which shuts down gracefully and exits; the resource then ends (Finished or Exited) and can be started again with
/// Aspire's start command.
/// </summary>
/// <remarks>
/// Not Aspire's stop command: DCP launches a project as <c>dotnet run --project …</c>, which forwards the signal to the
/// service and exits a few seconds after it; on a loaded machine the two together outlast DCP's stop timeout ("timed out
/// waiting for process to stop", CI 2026-12-02), after which DCP kills the launcher and the resource's state no longer
/// follows the service. The services themselves exit within about 3 s of SIGTERM (measured by hand, 2026-12-02).
/// </remarks>
internal static class ServiceStops
{
    private const int SigTerm = 15;
    private static readonly TimeSpan EndsWithin = TimeSpan.FromMinutes(1);

    /// <summary>Sends SIGTERM to the service behind <paramref name="resource"/> and waits until the resource has ended.</summary>
    public static async Task TerminateAsync(this DistributedApplication app, string resource, CancellationToken ct)
    {
        var notifications = app.ResourceNotifications;
        var running = await notifications.WaitForResourceAsync(resource, e => e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null), ct);
        var launcher = Convert.ToInt32(running.Snapshot.Properties.First(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        var service = ChildrenOf(launcher).DefaultIfEmpty(launcher).Single();

        var ended = notifications.WaitForResourceAsync(resource, [KnownResourceStates.Exited, KnownResourceStates.Finished], ct);
        if (Signal(service, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {service} ({resource}) failed (errno {Marshal.GetLastPInvokeError()})");
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{resource}: SIGTERM to process {service} (launched by {launcher})");
        await ended.WaitAsync(EndsWithin, ct);
    }

    /// <summary>The processes whose parent is <paramref name="parent"/> (from /proc/*/stat).</summary>
    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;   // it ended meanwhile
            }
            // "pid (command) state ppid …": the command may contain spaces and parentheses, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent) yield return pid;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);
}
