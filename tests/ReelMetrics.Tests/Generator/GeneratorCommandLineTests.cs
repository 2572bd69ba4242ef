using ReelMetrics.Generator;

namespace ReelMetrics.Tests.Generator;

public sealed class GeneratorCommandLineTests
{
    [Fact]
    public void SwitchesBecomeTheConfigurationKeysTheyStandFor()
    {
        string[] args =
        [
            "--rate", "50000", "--count", "1000000", "--seed", "42", "--burst", "--bootstrap-servers", "127.0.0.1:9092",
            "--connection-string", "Host=localhost;Database=reelmetrics", "--topic=sales-test", "--totals-file", "/tmp/totals.json",
            "--duration", "90s", "--urls", "http://127.0.0.1:5199",
        ];

        var translated = GeneratorCommandLine.ToConfigurationArguments(args);

        Assert.Equal(
        [
            "--Generator:Rate=50000", "--Generator:Count=1000000", "--Generator:Duration=00:01:30", "--Generator:Seed=42",
            "--Generator:Burst=true", "--Generator:Topic=sales-test", "--Generator:TotalsFile=/tmp/totals.json",
            "--ConnectionStrings:kafka=127.0.0.1:9092", "--ConnectionStrings:reelmetrics=Host=localhost;Database=reelmetrics",
            "--urls", "http://127.0.0.1:5199",
        ], translated);
    }

    [Fact]
    public void SwitchesNotGivenSetNothingSoConfigurationFromElsewhereStands()
    {
        string[] args = ["--exit-when-done", "false", "--Generator:TracedSalesPerSecond=3", "--Aspire:Confluent:Kafka:Producer:Config:MessageTimeoutMs=1500"];

        Assert.Equal(
            ["--Generator:ExitWhenDone=false", "--Generator:TracedSalesPerSecond=3", "--Aspire:Confluent:Kafka:Producer:Config:MessageTimeoutMs=1500"],
            GeneratorCommandLine.ToConfigurationArguments(args));
    }

    [Fact]
    public void HelpIsAnActionAndARunIsNot()
    {
        Assert.NotNull(GeneratorCommandLine.Parse(["--help"]).Action);
        Assert.NotNull(GeneratorCommandLine.Parse(["--rate", "fast"]).Action);
        Assert.Null(GeneratorCommandLine.Parse(["--rate", "50", "--urls", "http://127.0.0.1:5199"]).Action);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("0.5s", 0.5)]
    [InlineData("00:10:00", 600)]
    public void DurationsReadLikePeopleWriteThem(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), GeneratorCommandLine.ParseDuration(text));
    }

    [Fact]
    public void ASwitchWithoutItsValueIsAnError()
    {
        Assert.Throws<FormatException>(() => GeneratorCommandLine.ToConfigurationArguments(["--count"]));
        Assert.Throws<FormatException>(() => GeneratorCommandLine.ToConfigurationArguments(["--duration", "soon"]));
        Assert.Throws<FormatException>(() => GeneratorCommandLine.ToConfigurationArguments(["--seed", "1.5"]));
        Assert.Null(GeneratorCommandLine.ParseDuration("soon"));
    }
}
