using ReelMetrics.Consumer;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddTicketSalesIngestion();

var app = builder.Build();
app.MapDefaultEndpoints();
app.RunUntilStopped();
