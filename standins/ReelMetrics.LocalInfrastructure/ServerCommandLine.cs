using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>What the server subcommands share: the port option, console logging, and shutdown on SIGTERM/SIGINT.</summary>
internal static class ServerCommandLine
{
    /// <summary><c>--port N</c>, a TCP port (0 meaning any free port): <paramref name="fallback"/> when absent, required without one.</summary>
    public static Option<int> Port(int? fallback)
    {
        var option = new Option<int>("--port")
        {
            Description = "TCP port to listen on (0 picks a free port)",
            Required = fallback is null,
            CustomParser = result => (int)(WholeNumber(result, 65535) ?? 0),
        };
        if (fallback is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        return option;
    }

    /// <summary>The option's one value as a whole number from 0 to <paramref name="max"/>; null, with an error, when it is not one.</summary>
    public static long? WholeNumber(ArgumentResult result, long max)
    {
        var text = result.Tokens is [var token] ? token.Value : "";
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= max)
        {
            return number;
        }

        var range = max == long.MaxValue ? "a whole number" : $"a number from 0 to {max}";
        result.AddError($"{(result.Parent as OptionResult)?.Option.Name} must be {range}, not '{text}'");
        return null;
    }

    /// <summary>The option's value, else the environment variable's; null when neither is set.</summary>
    public static string? OrEnvironment(string? value, string variable) =>
        value ?? (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);

    /// <summary>
    /// Single-line logging to stdout. Written here rather than taken from Microsoft.Extensions.Logging.Console so the command
    /// also runs from output directories that lack that assembly (a referencing project's shared framework can stand in for it).
    /// </summary>
    public static ILoggerFactory CreateLoggerFactory() => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddProvider(new StdoutLoggerProvider()));
}

/// <summary>Writes <c>HH:mm:ss.fff level: category message</c> lines to stdout.</summary>
internal sealed class StdoutLoggerProvider : ILoggerProvider
{
    private static readonly Lock Output = new();

    public ILogger CreateLogger(string categoryName) => new StdoutLogger(categoryName);

    public void Dispose()
    {
    }

    private sealed class StdoutLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = logLevel switch
            {
                LogLevel.Trace => "trce",
                LogLevel.Debug => "dbug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                _ => "crit",
            };
            var line = $"{DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {level}: {category} {formatter(state, exception)}";
            lock (Output)
            {
                Console.Out.WriteLine(exception is null ? line : $"{line}\n{exception}");
            }
        }
    }
}

/// <summary>Turns SIGTERM, SIGINT and SIGQUIT into a cancellation instead of the runtime's immediate exit.</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource requested = new();
    private readonly PosixSignalRegistration[] registrations;

    public ShutdownSignal()
    {
        registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            requested.Cancel();
        }))];
    }

    public CancellationToken Token => requested.Token;

    public bool IsRequested => requested.IsCancellationRequested;

    /// <summary>Completes when a shutdown signal arrives.</summary>
    public Task WaitAsync() => Task.Delay(Timeout.Infinite, requested.Token).ContinueWith(_ => { }, TaskScheduler.Default);

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        requested.Dispose();
    }
}
