using Microsoft.Extensions.Logging;

namespace ReelMetrics.LocalInfrastructure.Postgres;

// LocalPostgresServer: the server's log lines, relayed to the logger and kept for error messages.
public sealed partial class LocalPostgresServer
{
    private void Relay(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        lock (recentOutput)
        {
            recentOutput.Enqueue(line);
            if (recentOutput.Count > 30)
            {
                recentOutput.Dequeue();
            }
        }

        var level = line.Contains("PANIC:", StringComparison.Ordinal) || line.Contains("FATAL:", StringComparison.Ordinal) ? LogLevel.Error
            : line.Contains("ERROR:", StringComparison.Ordinal) ? LogLevel.Warning // a client's failed statement is not the server's error
            : line.Contains("WARNING:", StringComparison.Ordinal) ? LogLevel.Warning
            : LogLevel.Information;
        logger.Log(level, "{PostgresLine}", line);
    }

    private string RecentOutput()
    {
        lock (recentOutput)
        {
            return recentOutput.Count == 0 ? "" : "Last server output:\n" + string.Join('\n', recentOutput);
        }
    }
}
