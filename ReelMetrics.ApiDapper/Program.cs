using ReelMetrics.Api;
using ReelMetrics.Api.DeadLetters;
using ReelMetrics.Api.Status;
using ReelMetrics.ApiDapper;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("reelmetrics");
builder.AddReelMetricsApi<DapperSalesReadModel>();
builder.AddDeadLetterConsole<DapperDeadLetterStore>();
builder.AddPipelineStatusAndAlerts<DapperPipelineReadModel, DapperPipelineReadModel>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReelMetricsApi();
app.RunUntilStopped();
