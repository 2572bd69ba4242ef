using System.Diagnostics;
using System.Globalization;
using System.Text;
using ReelMetrics.Tests.Ingestion;

namespace ReelMetrics.Tests.Chaos;

/// <summary>
/// The consumer processes of a chaos run, in one consumer group: two that always run (slots A and B; a killed one is
/// replaced at once) and a third (slot J) that joins and later leaves. Tells a process the test killed or stopped from one
/// that died by itself: an unexpected exit is recorded with the process's last output and, as an orchestrator would, the
/// slot gets a new process after a short back-off, so the run goes on and shows what else fails.
/// </summary>
internal sealed class ConsumerFleet(IReadOnlyDictionary<string, string?> settings, Action<string> log) : IDisposable
{
    /// <summary>How long a consumer may take to stop after SIGTERM (the host's own shutdown timeout is 30 s).</summary>
    public static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan RestartBackoff = TimeSpan.FromSeconds(2);
    private const int LinesShownOnExit = 40;

    private readonly Lock gate = new();
    private readonly Dictionary<char, Slot> slots = new() { ['A'] = new(), ['B'] = new(), ['J'] = new() };
    private readonly List<ConsumerProcess> everyProcess = [];
    private readonly Dictionary<ConsumerProcess, long> stopping = [];
    private readonly HashSet<ConsumerProcess> killed = [];
    private readonly List<string> failures = [];
    private readonly HashSet<string> causes = [];

    public int Started { get; private set; }
    public int Killed { get; private set; }
    public int Joined { get; private set; }
    public int Left { get; private set; }
    public int UnexpectedExits { get; private set; }

    /// <summary>What went wrong with the processes: unexpected exits, stops that were not graceful.</summary>
    public IReadOnlyList<string> Failures
    {
        get { lock (gate) return [.. failures]; }
    }

    /// <summary>Consumers running now.</summary>
    public int Running
    {
        get { lock (gate) return slots.Values.Count(s => s.Process is { HasExited: false }); }
    }

    public void StartCore()
    {
        lock (gate)
        {
            StartIn('A');
            StartIn('B');
        }
    }

    /// <summary>SIGKILL the consumer of slot A (0) or B (1) and start a new one in its place.</summary>
    public string Kill(int choice)
    {
        lock (gate)
        {
            var slot = choice % 2 == 0 ? 'A' : 'B';
            var victim = slots[slot].Process;
            var what = "nothing to kill";
            if (victim is { HasExited: false })
            {
                killed.Add(victim);
                victim.Kill();
                Killed++;
                what = $"killed {victim.Name} (pid {victim.Id})";
            }
            var next = StartIn(slot);
            return $"{what}, started {next.Name} (pid {next.Id})";
        }
    }

    /// <summary>A third consumer joins the group.</summary>
    public string Join()
    {
        lock (gate)
        {
            if (slots['J'].Process is { HasExited: false } present) return $"{present.Name} is still in the group";
            Joined++;
            var joiner = StartIn('J');
            return $"{joiner.Name} (pid {joiner.Id}) joins";
        }
    }

    /// <summary>The third consumer leaves: SIGTERM, and it must exit by itself with code 0 within <see cref="GracefulStopTimeout"/>.</summary>
    public string Leave()
    {
        lock (gate)
        {
            var slot = slots['J'];
            slot.RestartAt = null;
            if (slot.Process is not { HasExited: false } leaver) return "no third consumer to leave";
            slot.Process = null;
            stopping[leaver] = Stopwatch.GetTimestamp();
            leaver.Terminate();
            Left++;
            return $"{leaver.Name} (pid {leaver.Id}) leaves (SIGTERM)";
        }
    }

    /// <summary>Notices exits: expected (killed, stopped) or not; restarts slots whose process died by itself.</summary>
    public void Check()
    {
        lock (gate)
        {
            foreach (var (name, slot) in slots)
            {
                if (slot.Process is { HasExited: true } dead && !killed.Contains(dead))
                {
                    UnexpectedExits++;
                    Fail($"{dead.Name} (pid {dead.Id}) exited by itself with code {dead.ExitCode}; its last output:", dead);
                    slot.Process = null;
                    slot.RestartAt = Stopwatch.GetTimestamp() + (long)(RestartBackoff.TotalSeconds * Stopwatch.Frequency);
                }
                if (slot.Process is null && slot.RestartAt is { } due && Stopwatch.GetTimestamp() >= due)
                {
                    slot.RestartAt = null;
                    var next = StartIn(name);
                    log($"restarted slot {name} after an unexpected exit: {next.Name} (pid {next.Id})");
                }
            }

            foreach (var (leaver, since) in stopping.ToList())
            {
                if (leaver.HasExited)
                {
                    stopping.Remove(leaver);
                    if (leaver.ExitCode != 0) Fail($"{leaver.Name} (pid {leaver.Id}) exited with code {leaver.ExitCode} after SIGTERM; its last output:", leaver);
                    else log($"{leaver.Name} left the group and exited with code 0");
                }
                else if (Stopwatch.GetElapsedTime(since) > GracefulStopTimeout)
                {
                    stopping.Remove(leaver);
                    Fail($"{leaver.Name} (pid {leaver.Id}) had not exited {GracefulStopTimeout.TotalSeconds:0} s after SIGTERM (killed now); its last output:", leaver);
                    killed.Add(leaver);
                    leaver.Kill();
                }
            }
        }
    }

    /// <summary>Waits until the third consumer's graceful stop is over (or failed), so the verdict knows how it ended.</summary>
    public async Task WaitForStopsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Check();
            lock (gate)
            {
                if (stopping.Count == 0) return;
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Every consumer that was not killed or stopped on purpose must be running; what was not.</summary>
    public IReadOnlyList<string> Verdict()
    {
        Check();
        lock (gate)
        {
            var problems = new List<string>(failures);
            foreach (var (name, slot) in slots.Where(s => s.Key != 'J' || s.Value.Process is not null || s.Value.RestartAt is not null))
            {
                if (slot.Process is not { HasExited: false }) problems.Add($"slot {name} has no running consumer at the end");
            }
            return problems;
        }
    }

    /// <summary>The last lines of every running consumer, to show what they were doing when the run got stuck.</summary>
    public string RecentOutputOfRunning(int lines)
    {
        lock (gate)
        {
            var text = new StringBuilder();
            foreach (var process in slots.Values.Select(s => s.Process).OfType<ConsumerProcess>().Where(p => !p.HasExited))
            {
                text.Append(CultureInfo.InvariantCulture, $"\n  {process.Name} (pid {process.Id}), its last output:");
                foreach (var line in process.RecentOutput(lines)) text.Append("\n    | ").Append(line);
                text.Append(CultureInfo.InvariantCulture, $"\n  {process.Name}, its last warnings and errors:");
                foreach (var line in process.RecentWarnings()) text.Append("\n    ! ").Append(line);
            }
            return text.ToString();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var process in everyProcess) process.Dispose();
        }
    }

    private ConsumerProcess StartIn(char slot)
    {
        var state = slots[slot];
        state.Generation++;
        var process = ConsumerProcess.Start(settings, $"consumer {slot}#{state.Generation.ToString(CultureInfo.InvariantCulture)}");
        state.Process = process;
        state.RestartAt = null;
        everyProcess.Add(process);
        Started++;
        return process;
    }

    /// <summary>Records a failure with the process's last output; for a cause already shown (same exception), one line.</summary>
    private void Fail(string what, ConsumerProcess process)
    {
        var lines = process.RecentOutput(LinesShownOnExit);
        var cause = lines.Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Exception", StringComparison.Ordinal)) ?? "no exception in its output";
        var header = what.Replace("; its last output:", "", StringComparison.Ordinal);
        if (!causes.Add(cause))
        {
            failures.Add($"{header}: {cause} (as above)");
        }
        else
        {
            var text = new StringBuilder(what);
            foreach (var line in lines) text.Append("\n    | ").Append(line);
            failures.Add(text.ToString());
        }
        log($"{header}: {cause}");
    }

    private sealed class Slot
    {
        public ConsumerProcess? Process { get; set; }
        public long? RestartAt { get; set; }
        public int Generation { get; set; }
    }
}
