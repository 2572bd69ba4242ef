using ReelMetrics.Api;
using ReelMetrics.Api.DeadLetters;
using ReelMetrics.ApiDapper;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("reelmetrics");
builder.AddReelMetricsApi<DapperSalesReadModel>();
builder.AddDeadLetterConsole<DapperDeadLetterStore>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReelMetricsApi();
app.Run();
