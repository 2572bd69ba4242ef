using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>What the server subcommands share: <c>--name value</c> parsing, console logging, and shutdown on SIGTERM/SIGINT.</summary>
internal sealed class ServerCommandLine
{
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);

    private ServerCommandLine()
    {
    }

    /// <summary>Parses <c>--name value</c> pairs, allowing only <paramref name="names"/>; null (after printing why) when malformed.</summary>
    public static ServerCommandLine? Parse(string command, string[] args, params string[] names)
    {
        var parsed = new ServerCommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = args[i].Split('=', 2) is [var n, var v] && n.StartsWith("--", StringComparison.Ordinal) ? (n, v) : (args[i], null);
            if (!names.Contains(name))
            {
                return Fail(command, $"unknown option '{args[i]}'", names);
            }

            value ??= i + 1 < args.Length ? args[++i] : null;
            if (value is null)
            {
                return Fail(command, $"option {name} needs a value", names);
            }

            if (!parsed.values.TryGetValue(name, out var list))
            {
                parsed.values[name] = list = [];
            }

            list.Add(value);
        }

        return parsed;
    }

    public string? Get(string name) => values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => values.TryGetValue(name, out var list) ? list : [];

    /// <summary>The option's value, else the environment variable's; null when neither is set.</summary>
    public string? GetOrEnvironment(string name, string variable) =>
        Get(name) ?? (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);

    /// <summary>The option as a TCP port (0 meaning any free port), or <paramref name="fallback"/> when absent; null when invalid.</summary>
    public int? GetPort(string name, int fallback)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port : null;
    }

    /// <summary>
    /// Single-line logging to stdout. Written here rather than taken from Microsoft.Extensions.Logging.Console so the command
    /// also runs from output directories that lack that assembly (a referencing project's shared framework can stand in for it).
    /// </summary>
    public static ILoggerFactory CreateLoggerFactory() => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddProvider(new StdoutLoggerProvider()));

    private static ServerCommandLine? Fail(string command, string problem, string[] names)
    {
        Console.Error.WriteLine($"{command}: {problem}. Options: {string.Join(", ", names.Select(n => n + " VALUE"))}");
        return null;
    }
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
