using Dapper;
using Npgsql;
using ReelMetrics.Api;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.ApiDapper;

/// <summary>The read model in hand-written SQL, mapped by Dapper.</summary>
public sealed class DapperSalesReadModel(NpgsqlDataSource dataSource) : ISalesReadModel
{
    public async Task<IReadOnlyList<TheaterSummary>> GetTheatersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<TheaterSummary>(new CommandDefinition("""
            select t.theater_id as TheaterId, t.name as Name, t.city as City, t.time_zone as TimeZone,
                   count(s.screen_id)::int as Screens, coalesce(sum(s.capacity), 0)::int as Seats
            from theaters t
            left join screens s on s.theater_id = t.theater_id
            group by t.theater_id
            order by t.theater_id
            """, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
