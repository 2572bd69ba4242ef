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

    /// <summary>CPU used from the start until now (the meter keeps running: call it as often as needed).</summary>
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

/// <summary>
/// CPU use while a drain stored its middle 80 % (from the first progress sample at 10 % of the events to the first at
/// 90 %): the steady state, without the start (connecting, the cache rebuild, the JIT compiling and re-compiling hot
/// code, which on this machine takes seconds) and without the tail.
/// </summary>
internal sealed class SteadyWindow(CpuMeter meter, long events)
{
    private (CpuUse Cpu, long Stored)? from;
    private (CpuUse Cpu, long Stored)? to;

    public void Observe(ProgressSample sample)
    {
        if (from is null && sample.Stored >= events * 0.1) from = (meter.Stop(), sample.Stored);
        else if (from is not null && to is null && sample.Stored >= events * 0.9) to = (meter.Stop(), sample.Stored);
    }

    /// <summary>CPU used in the window and the sales stored in it; null when the drain was too short to see both ends.</summary>
    public SteadyCpu? Result => from is { } a && to is { } b && b.Stored > a.Stored
        ? new SteadyCpu(b.Stored - a.Stored, new CpuUse(
            b.Cpu.WallSeconds - a.Cpu.WallSeconds, b.Cpu.Consumer - a.Cpu.Consumer, b.Cpu.Postgres - a.Cpu.Postgres,
            b.Cpu.Benchmark - a.Cpu.Benchmark, b.Cpu.Machine - a.Cpu.Machine))
        : null;
}

/// <summary>What <see cref="SteadyWindow"/> measured.</summary>
internal sealed record SteadyCpu(long Sales, CpuUse Cpu)
{
    public double ConsumerMicrosecondsPerSale => Cpu.Consumer * 1e6 / Sales;

    public double PostgresMicrosecondsPerSale => Cpu.Postgres * 1e6 / Sales;

    public double MachineMicrosecondsPerSale => Cpu.Machine * 1e6 / Sales;
}
