using ReelMetrics.Api;
using ReelMetrics.Api.DeadLetters;
using ReelMetrics.Api.Status;
using ReelMetrics.ApiEf;
using ReelMetrics.ApiEf.Data;
using ReelMetrics.Contracts;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDbContext<ReelMetricsDbContext>(ConnectionNames.Database,
    configureDbContextOptions: options => options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking).UseSnakeCaseNamingConvention());
builder.AddReelMetricsApi<EfSalesReadModel>();
builder.AddDeadLetterConsole<EfDeadLetterStore>();
builder.AddPipelineStatusAndAlerts<EfPipelineReadModel, EfPipelineReadModel>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReelMetricsApi();
app.RunUntilStopped();
