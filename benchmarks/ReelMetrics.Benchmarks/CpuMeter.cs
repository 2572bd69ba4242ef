using System.Globalization;

namespace ReelMetrics.Benchmarks;

/// <summary>CPU seconds (user + system) used during a run, per party: where the time goes on a 2-core machine.</summary>
internal sealed record CpuUse(double WallSeconds, double Consumer, double Postgres, double Benchmark, double Machine)
{
    /// <summary>Cores busy on average, all processes of the machine (including other people's work).</summary>
    public double MachineCores => WallSeconds <= 0 ? 0 : Machine / WallSeconds;
}

/// <summary>
/// Reads /proc: a process's utime + stime, the sum over PostgreSQL's postmaster and its backends,
/// this process (which hosts the mock Kafka broker and Garnet), and the whole machine (/proc/stat).
/// </summary>
internal sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100;   // USER_HZ on Linux
    private readonly int? postmaster;
    private readonly Func<IEnumerable<int>> consumers;
    private readonly (long Consumer, long Postgres, long Self, long Machine, DateTime At) start;

    /// <param name="postmaster">PostgreSQL's postmaster, whose backends count as PostgreSQL.</param>
    /// <param name="consumers">The consumer processes running now (one, or several in one group).</param>
    public CpuMeter(int? postmaster, Func<IEnumerable<int>> consumers)
    {
        this.postmaster = postmaster;
        this.consumers = consumers;
        start = Read();
    }

    public CpuUse Stop()
    {
        var end = Read();
        return new CpuUse(
            (end.At - start.At).TotalSeconds,
            (end.Consumer - start.Consumer) / TicksPerSecond,
            (end.Postgres - start.Postgres) / TicksPerSecond,
            (end.Self - start.Self) / TicksPerSecond,
            (end.Machine - start.Machine) / TicksPerSecond);
    }

    private (long Consumer, long Postgres, long Self, long Machine, DateTime At) Read()
    {
        long pg = 0;
        if (postmaster is { } pm)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
                if (Stat(pid) is { } s && (pid == pm || s.Parent == pm)) pg += s.Ticks;
            }
        }
        var c = consumers().Sum(pid => Stat(pid)?.Ticks ?? 0);
        var self = Stat(Environment.ProcessId)?.Ticks ?? 0;
        return (c, pg, self, MachineTicks(), DateTime.UtcNow);
    }

    private static (int Parent, long Ticks)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // pid (comm) state ppid ... : comm may contain spaces, so split after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            // utime + stime only: children's times would count reaped child processes (the generator) as this one's.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (parent, ticks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long MachineTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
        var values = cpu.Skip(1).Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return values.Sum() - values[3] - values[4];
    }
}
