using ReelMetrics.Database;
using ReelMetrics.MigrationService;

// Applies the schema and seed catalog, then exits: everything that reads or writes the
// database waits for this resource to complete.
var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("reelmetrics");
builder.Services.AddSingleton<DatabaseMigrator>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHostedService<MigrationWorker>();
builder.Build().Run();
