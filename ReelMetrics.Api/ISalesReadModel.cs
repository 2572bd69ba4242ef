using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api;

/// <summary>
/// Everything the REST contract reads. The two backends differ only here: ApiDapper implements it
/// with Dapper over Npgsql, ApiEf with EF Core. Routes, validation, errors and caching are shared.
/// </summary>
public interface ISalesReadModel
{
    Task<IReadOnlyList<TheaterSummary>> GetTheatersAsync(CancellationToken cancellationToken);
}
