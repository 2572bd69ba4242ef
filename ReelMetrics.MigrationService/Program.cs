using ReelMetrics.Contracts;
using ReelMetrics.Database;
using ReelMetrics.Database.Roles;
using ReelMetrics.MigrationService;

// Creates the database roles (as the superuser), applies the schema and seed catalog (as the schema's owner), then
// exits: everything that reads or writes the database waits for this resource to complete.
var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDataSource(ConnectionNames.Database);
builder.Services.AddOptions<DatabaseRolesOptions>().BindConfiguration(DatabaseRolesOptions.Section).ValidateDataAnnotations();
if (builder.Configuration.GetConnectionString(DatabaseRolesOptions.SuperuserConnectionName) is { Length: > 0 } superuser)
{
    builder.Services.AddSingleton(sp => new DatabaseRoleBootstrap(superuser, sp.GetRequiredService<ILogger<DatabaseRoleBootstrap>>()));
}
builder.Services.AddOptions<BusinessDayOptions>().BindConfiguration(BusinessDayOptions.Section);
builder.Services.AddSingleton<DatabaseMigrator>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHostedService<MigrationWorker>();
builder.Build().Run();
