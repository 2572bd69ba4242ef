using System.Globalization;
using System.Text;

namespace ReelMetrics.Tests.Chaos;

/// <summary>
/// How long and how hard the chaos test runs. Defaults suit CI on a 2-core machine; the environment makes it a soak run:
/// <c>REELMETRICS_CHAOS_DURATION</c> (seconds, or a time span such as 00:10:00), <c>REELMETRICS_CHAOS_SEED</c> (an integer:
/// the same seed gives the same schedule, hostile messages and generator stream), <c>REELMETRICS_CHAOS_RATE</c> (sales/s).
/// </summary>
internal sealed record ChaosSettings(int Seed, TimeSpan Duration, int SalesPerSecond)
{
    public const int DefaultSeed = 20_240_908;
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(60);
    public const int DefaultSalesPerSecond = 1_000;

    /// <summary>Sales the generator sells: it finishes a little before the schedule does, so faults hit it throughout.</summary>
    public long SalesCount => (long)(SalesPerSecond * Duration.TotalSeconds * 0.9);

    public static ChaosSettings FromEnvironment()
    {
        var seed = Environment.GetEnvironmentVariable("REELMETRICS_CHAOS_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : DefaultSeed;
        var duration = Environment.GetEnvironmentVariable("REELMETRICS_CHAOS_DURATION") is { Length: > 0 } d
            ? ParseDuration(d)
            : DefaultDuration;
        var rate = Environment.GetEnvironmentVariable("REELMETRICS_CHAOS_RATE") is { Length: > 0 } r
            ? int.Parse(r, CultureInfo.InvariantCulture)
            : DefaultSalesPerSecond;
        if (duration < TimeSpan.FromSeconds(20)) throw new ArgumentOutOfRangeException(nameof(duration), duration, "REELMETRICS_CHAOS_DURATION must be at least 20 s");
        if (rate is < 1 or > 20_000) throw new ArgumentOutOfRangeException(nameof(rate), rate, "REELMETRICS_CHAOS_RATE must be 1–20,000 sales/s");
        return new ChaosSettings(seed, duration, rate);
    }

    private static TimeSpan ParseDuration(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.Parse(value, CultureInfo.InvariantCulture);
}

/// <summary>The classes of fault the schedule injects.</summary>
internal enum FaultKind
{
    /// <summary>SIGKILL one of the two consumers and start a new one in its place.</summary>
    KillConsumer,

    /// <summary>A third consumer process joins the group.</summary>
    ConsumerJoins,

    /// <summary>The third consumer leaves: SIGTERM, a graceful stop.</summary>
    ConsumerLeaves,

    /// <summary>PostgreSQL stops (fast shutdown) and starts again on the same port and data directory after the hold.</summary>
    RestartPostgres,

    /// <summary>Redis (Garnet, in memory) stops and starts again empty on the same port after the hold.</summary>
    RestartRedis,

    /// <summary>The broker refuses and resets every connection for the hold, then comes back with its data.</summary>
    BrokerOutage,

    /// <summary>A burst of hostile (and original-format) messages from a raw producer.</summary>
    HostileMessages,
}

/// <summary>One timed fault: at <see cref="At"/> after the start, for <see cref="Hold"/> (outages); <see cref="Choice"/> picks a target.</summary>
internal sealed record ChaosStep(TimeSpan At, FaultKind Kind, TimeSpan Hold, int Choice)
{
    /// <summary>Steps of one lane run one after another; lanes run side by side, so faults of different classes overlap.</summary>
    public string Lane => Kind switch
    {
        FaultKind.KillConsumer or FaultKind.ConsumerJoins or FaultKind.ConsumerLeaves => "consumers",
        FaultKind.RestartPostgres => "postgres",
        FaultKind.RestartRedis => "redis",
        FaultKind.BrokerOutage => "broker",
        _ => "hostile",
    };

    public override string ToString() =>
        $"{At.TotalSeconds,6:0.0}s {Kind}{(Hold > TimeSpan.Zero ? $" for {Hold.TotalSeconds:0.0}s" : "")}{(Kind is FaultKind.KillConsumer or FaultKind.HostileMessages ? $" #{Choice}" : "")}";
}

/// <summary>
/// A seeded, reproducible schedule of faults over <see cref="Duration"/>: per minute about three consumer kills, one
/// consumer joining and later leaving, two PostgreSQL restarts, two Redis restarts, two broker outages, and a burst of
/// hostile messages every few seconds. Each class has its own lane and its own random stream, so a change to one class
/// leaves the others' timings alone.
/// </summary>
internal sealed class ChaosSchedule
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(2);

    private ChaosSchedule(int seed, TimeSpan duration, IReadOnlyList<ChaosStep> steps)
    {
        Seed = seed;
        Duration = duration;
        Steps = steps;
    }

    public int Seed { get; }

    public TimeSpan Duration { get; }

    /// <summary>Every step, in time order.</summary>
    public IReadOnlyList<ChaosStep> Steps { get; }

    /// <summary>How many hostile bursts the schedule holds (their <see cref="ChaosStep.Choice"/> is 0 … n-1).</summary>
    public int HostileBursts => Steps.Count(s => s.Kind == FaultKind.HostileMessages);

    public static ChaosSchedule Create(int seed, TimeSpan duration)
    {
        var minutes = duration.TotalMinutes;
        int PerMinute(double count) => Math.Max(1, (int)Math.Round(count * minutes));
        var from = Warmup;
        var to = duration - Cooldown;
        var steps = new List<ChaosStep>();

        var kills = new Random(Derive(seed, 1));
        steps.AddRange(Spread(kills, PerMinute(3), from, to, _ => TimeSpan.Zero)
            .Select(s => new ChaosStep(s.At, FaultKind.KillConsumer, TimeSpan.Zero, kills.Next(2))));

        // Join, and leave 10-20 s later (the hold is the member's stay in the group).
        var joins = new Random(Derive(seed, 2));
        foreach (var (at, stay) in Spread(joins, PerMinute(1), from, to, r => Seconds(r, 10, 20)))
        {
            steps.Add(new ChaosStep(at, FaultKind.ConsumerJoins, TimeSpan.Zero, 0));
            steps.Add(new ChaosStep(at + stay, FaultKind.ConsumerLeaves, TimeSpan.Zero, 0));
        }

        var postgres = new Random(Derive(seed, 3));
        steps.AddRange(Spread(postgres, PerMinute(2), from, to, r => Seconds(r, 0.5, 3))
            .Select(s => new ChaosStep(s.At, FaultKind.RestartPostgres, s.Hold, 0)));

        var redis = new Random(Derive(seed, 4));
        steps.AddRange(Spread(redis, PerMinute(2), from, to, r => Seconds(r, 0.2, 2))
            .Select(s => new ChaosStep(s.At, FaultKind.RestartRedis, s.Hold, 0)));

        // Up to 8 s: longer than the consumers' 6 s session timeout, so sometimes the group forgets its members.
        var broker = new Random(Derive(seed, 5));
        steps.AddRange(Spread(broker, PerMinute(2), from, to, r => Seconds(r, 1, 8))
            .Select(s => new ChaosStep(s.At, FaultKind.BrokerOutage, s.Hold, 0)));

        var hostile = new Random(Derive(seed, 6));
        var burst = 0;
        for (var at = TimeSpan.FromSeconds(1) + Seconds(hostile, 0, 1); at < to; at += Seconds(hostile, 1.5, 3.5))
        {
            steps.Add(new ChaosStep(at, FaultKind.HostileMessages, TimeSpan.Zero, burst++));
        }

        return new ChaosSchedule(seed, duration, [.. steps.OrderBy(s => s.At).ThenBy(s => s.Kind)]);
    }

    /// <summary>Per class: how many steps the schedule holds.</summary>
    public IReadOnlyDictionary<FaultKind, int> Counts() =>
        Enum.GetValues<FaultKind>().ToDictionary(k => k, k => Steps.Count(s => s.Kind == k));

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"chaos schedule: seed {Seed}, {Duration.TotalSeconds:0} s, {Steps.Count} steps");
        foreach (var step in Steps.Where(s => s.Kind != FaultKind.HostileMessages)) text.AppendLine(CultureInfo.InvariantCulture, $"  {step}");
        text.Append(CultureInfo.InvariantCulture, $"  + {HostileBursts} bursts of hostile messages, every 1.5-3.5 s");
        return text.ToString();
    }

    /// <summary><paramref name="count"/> steps, one in each equal slot of [from, to), each with its hold inside its slot.</summary>
    private static List<(TimeSpan At, TimeSpan Hold)> Spread(Random random, int count, TimeSpan from, TimeSpan to, Func<Random, TimeSpan> hold)
    {
        var slot = (to - from) / count;
        var result = new List<(TimeSpan, TimeSpan)>(count);
        for (var i = 0; i < count; i++)
        {
            var length = hold(random);
            if (length > slot * 0.8) length = slot * 0.8;
            var start = from + slot * i;
            result.Add((start + (slot - length) * random.NextDouble(), length));
        }
        return result;
    }

    private static TimeSpan Seconds(Random random, double min, double max) => TimeSpan.FromSeconds(min + (max - min) * random.NextDouble());

    /// <summary>A lane's seed from the run's seed (HashCode is randomised per process, so not that).</summary>
    internal static int Derive(int seed, int lane) => unchecked(seed * 7_919 + lane * 104_729);
}
