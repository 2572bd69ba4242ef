using ReelMetrics.LocalInfrastructure;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.LocalInfrastructure;

/// <summary>
/// Ports for the local servers come from a range no one else allocates from. Not the kernel's ephemeral range: a port
/// inside it can be taken by an outgoing connection while its server is stopped (it then cannot restart on it), or a
/// client can connect to itself on it (the stopped server then seems to answer). Not Aspire's range for the processes
/// it runs (10000–32767): a resource the AppHost restarts gets its port back, and another server must not hold it
/// meanwhile. All three happened in CI.
/// </summary>
public sealed class FreePortTests
{
    private const int AspireRangeStart = 10_000;

    private static int EphemeralStart =>
        OperatingSystem.IsLinux()
            ? int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0],
                System.Globalization.CultureInfo.InvariantCulture)
            : 32_768;

    [Fact]
    public void Ports_are_distinct_and_below_the_ephemeral_range_and_Aspires()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, 1_025, Math.Min(EphemeralStart, AspireRangeStart) - 1));
    }

    [Fact]
    public async Task A_broker_started_on_any_port_listens_below_the_ephemeral_range_and_Aspires()
    {
        await using var broker = KafkaFixture.StartPrivateBroker();

        Assert.InRange(broker.Port, 1_025, Math.Min(EphemeralStart, AspireRangeStart) - 1);
    }
}
