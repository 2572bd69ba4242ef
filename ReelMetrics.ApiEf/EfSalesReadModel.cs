using Microsoft.EntityFrameworkCore;
using ReelMetrics.Api;
using ReelMetrics.ApiEf.Data;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.ApiEf;

/// <summary>The read model in LINQ, translated by EF Core.</summary>
public sealed class EfSalesReadModel(ReelMetricsDbContext db) : ISalesReadModel
{
    public async Task<IReadOnlyList<TheaterSummary>> GetTheatersAsync(CancellationToken cancellationToken) =>
        await db.Theaters
            .OrderBy(t => t.TheaterId)
            .Select(t => new TheaterSummary(t.TheaterId, t.Name, t.City, t.TimeZone, t.Screens.Count, t.Screens.Sum(s => s.Capacity)))
            .ToListAsync(cancellationToken);
}
