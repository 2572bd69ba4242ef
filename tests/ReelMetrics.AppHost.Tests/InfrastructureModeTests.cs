using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using ReelMetrics.AppHost.Infrastructure;

namespace ReelMetrics.AppHost.Tests;

public sealed class InfrastructureModeTests
{
    private static AppHostSettings Settings(string? mode) => AppHostSettings.From(
        new ConfigurationBuilder().AddInMemoryCollection(
            mode is null ? [] : [new KeyValuePair<string, string?>(InfrastructureModeResolver.ConfigurationKey, mode)]).Build());

    [Fact]
    public void AutoPicksContainersWhenAContainerRuntimeAnswers()
    {
        var choice = InfrastructureModeResolver.Resolve(Settings(null), () => true, () => "/usr/lib/postgresql/15/bin");
        Assert.Equal(InfrastructureMode.Containers, choice.Mode);
    }

    [Fact]
    public void AutoFallsBackToLocalAndSaysWhy()
    {
        var choice = InfrastructureModeResolver.Resolve(Settings("auto"), () => false, () => "/usr/lib/postgresql/15/bin");
        Assert.Equal(InfrastructureMode.Local, choice.Mode);
        Assert.Contains("no container runtime", choice.Reason);
    }

    [Fact]
    public void WithNeitherPrerequisiteStartUpStopsWithOneMessageSayingWhatToInstall()
    {
        var error = Assert.Throws<DistributedApplicationException>(() =>
            InfrastructureModeResolver.Resolve(Settings(null), () => false, () => null));
        Assert.Contains("apt-get install postgresql", error.Message);
    }

    [Theory]
    [InlineData("Local", InfrastructureMode.Local)]
    [InlineData("containers", InfrastructureMode.Containers)]
    public void AnExplicitModeIsUsedWithoutProbing(string configured, InfrastructureMode expected)
    {
        var choice = InfrastructureModeResolver.Resolve(Settings(configured),
            () => throw new InvalidOperationException("must not probe"), () => throw new InvalidOperationException("must not probe"));
        Assert.Equal(expected, choice.Mode);
    }

    [Theory]
    [InlineData("Cloud")]
    [InlineData("7")]
    public void AnUnknownModeIsRejected(string configured)
    {
        var error = Assert.Throws<DistributedApplicationException>(() => Settings(configured));
        Assert.Contains("Auto, Containers or Local", error.Message);
    }
}
