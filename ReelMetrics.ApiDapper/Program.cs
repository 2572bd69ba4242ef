using ReelMetrics.Api;
using ReelMetrics.ApiDapper;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("reelmetrics");
builder.AddReelMetricsApi<DapperSalesReadModel>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReelMetricsApi();
app.Run();
