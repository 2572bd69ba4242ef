using ReelMetrics.Api;
using ReelMetrics.Api.DeadLetters;
using ReelMetrics.Api.Status;
using ReelMetrics.ApiDapper;
using ReelMetrics.Contracts;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDataSource(ConnectionNames.Database);
builder.AddReelMetricsApi<DapperSalesReadModel>();
builder.AddDeadLetterConsole<DapperDeadLetterStore>();
builder.AddPipelineStatusAndAlerts<DapperPipelineReadModel, DapperPipelineReadModel>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReelMetricsApi();
app.RunUntilStopped();
