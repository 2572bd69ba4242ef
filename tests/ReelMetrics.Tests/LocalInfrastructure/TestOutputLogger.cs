using Microsoft.Extensions.Logging;

namespace ReelMetrics.Tests.LocalInfrastructure;

/// <summary>Writes log lines to the current test's output, so a failing test shows what the server said.</summary>
internal sealed class TestOutputLogger(ITestOutputHelper? output) : ILogger
{
    /// <summary>A logger for the test that is running now.</summary>
    public static TestOutputLogger ForCurrentTest() => new(TestContext.Current.TestOutputHelper);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => output is not null;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output?.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
        catch (InvalidOperationException)
        {
            // Server output can arrive after the test has finished, when its output helper no longer accepts lines.
        }
    }
}
