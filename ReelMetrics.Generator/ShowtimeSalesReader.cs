using Npgsql;
using Polly;
using Polly.Retry;

namespace ReelMetrics.Generator;

/// <summary>
/// Reads, at start, which showtimes of the window the database has and how many tickets each has
/// already sold (<c>showtime_sales</c>), so a restarted generator does not sell seats twice.
/// </summary>
public sealed class ShowtimeSalesReader(NpgsqlDataSource dataSource, ILogger<ShowtimeSalesReader> logger)
{
    // The database may still be starting when we do: give it about 30 s (a try a second) before failing.
    private readonly ResiliencePipeline untilTheDatabaseAnswers = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient),
            MaxRetryAttempts = 30,
            Delay = TimeSpan.FromSeconds(1),
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            OnRetry = retry =>
            {
                logger.LogWarning("Database not reachable yet ({Message}); retrying", retry.Outcome.Exception?.Message);
                return default;
            },
        })
        .Build();

    /// <summary>Tickets already sold per showtime id, for every showtime with a business date in [from, to].</summary>
    public async Task<IReadOnlyDictionary<long, int>> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        await untilTheDatabaseAnswers.ExecuteAsync(async token => await QueryAsync(from, to, token), cancellationToken);

    private async Task<Dictionary<long, int>> QueryAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select s.showtime_id, coalesce(ss.tickets_sold, 0)
            from showtimes s left join showtime_sales ss on ss.showtime_id = s.showtime_id
            where s.business_date between $1 and $2
            """);
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sold = new Dictionary<long, int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sold[reader.GetInt64(0)] = reader.GetInt32(1);
        }
        return sold;
    }
}
