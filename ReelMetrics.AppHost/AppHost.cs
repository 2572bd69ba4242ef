using ReelMetrics.AppHost;
using ReelMetrics.AppHost.Frontend;
using ReelMetrics.AppHost.Identity;
using ReelMetrics.AppHost.Infrastructure;
using ReelMetrics.Database.Roles;

var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.From(builder.Configuration);   // the only place the AppHost reads its configuration

// Infrastructure: containers when a container runtime answers, otherwise local processes.
var infrastructure = builder.AddReelMetricsInfrastructure(settings);
var kafka = infrastructure.Kafka;
var database = infrastructure.Database;
var redis = infrastructure.Redis;

// The schema's owner (it also creates every service's database role): everything that reads or writes the database
// waits for it to complete.
var migrations = builder.AddProject<Projects.ReelMetrics_MigrationService>("migrations")
    .WithDatabaseRole(database, DatabaseRole.Migrations).WaitFor(database);

// Workers: ticket sales flow generator -> kafka -> consumer -> postgres + redis.
builder.AddProject<Projects.ReelMetrics_Generator>("generator")
    .WithHttpEndpoint(name: "http").WithHttpHealthCheck("/health")
    .WithKafkaPrincipal(kafka, KafkaPrincipal.Generator).WaitFor(kafka)
    .WithDatabaseRole(database, DatabaseRole.Generator).WaitForCompletion(migrations)    // sells seats of the showtimes in the catalog
    .WithEnvironment("Generator__ExitWhenDone", "false")    // a finished resource would lose /totals: keep serving once a count is reached
    .WithSettingsFrom(settings.Generator, "Generator");

builder.AddProject<Projects.ReelMetrics_Consumer>("consumer")
    .WithHttpEndpoint(name: "http").WithHttpHealthCheck("/health")
    .WithKafkaPrincipal(kafka, KafkaPrincipal.Consumer).WaitFor(kafka)
    .WithReference(redis).WaitFor(redis)
    .WithDatabaseRole(database, DatabaseRole.Consumer).WaitForCompletion(migrations)
    .WithSettingsFrom(settings.Consumer, "Consumer");

// Sign-in: an OpenID Connect provider on its own database; the APIs accept its tokens, the dashboard signs in with it.
var identity = builder.AddIdentityService("identity", settings.Ports.Identity, infrastructure.IdentityDatabase, migrations);

// Two backends, one contract.
var apiDapper = builder.AddProject<Projects.ReelMetrics_ApiDapper>("api-dapper")
    .WithHttpEndpoint(port: settings.Ports.ApiDapper, name: "http").WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithDatabaseRole(database, DatabaseRole.Api).WaitForCompletion(migrations)
    .WithIdentity(identity);

var apiEf = builder.AddProject<Projects.ReelMetrics_ApiEf>("api-ef")
    .WithHttpEndpoint(port: settings.Ports.ApiEf, name: "http").WithHttpHealthCheck("/health")
    .WithReference(redis).WaitFor(redis)
    .WithDatabaseRole(database, DatabaseRole.Api).WaitForCompletion(migrations)
    .WithIdentity(identity);

var frontend = builder.AddViteFrontend("frontend", "../frontend", settings.Ports.Frontend, settings.Frontend.Mode)
    .WithApi("REELMETRICS_API_DAPPER_URL", apiDapper)
    .WithApi("REELMETRICS_API_EF_URL", apiEf)
    .WithIdentityUrl(identity);

// The identity service's browser clients: the dashboard, and each API's OpenAPI page.
identity.WithDashboard(frontend).WithApiDocs(apiDapper, apiEf);

builder.Build().Run();
