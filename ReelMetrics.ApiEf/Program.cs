using Microsoft.EntityFrameworkCore;
using ReelMetrics.Api;
using ReelMetrics.Api.DeadLetters;
using ReelMetrics.ApiEf;
using ReelMetrics.ApiEf.Data;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDbContext<ReelMetricsDbContext>("reelmetrics",
    configureDbContextOptions: options => options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));
builder.AddReelMetricsApi<EfSalesReadModel>();
builder.AddDeadLetterConsole<EfDeadLetterStore>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReelMetricsApi();
app.Run();
