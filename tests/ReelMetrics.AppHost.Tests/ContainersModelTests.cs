using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.AppHost.Infrastructure;
using ReelMetrics.Contracts;

namespace ReelMetrics.AppHost.Tests;

/// <summary>The Containers backing is wired right: checked on the model, without starting any container.</summary>
public sealed class ContainersModelTests
{
    private static async Task<DistributedApplication> BuildAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ReelMetrics_AppHost>(
            ["ReelMetrics:Infrastructure=Containers"], TestContext.Current.CancellationToken);
        return await builder.BuildAsync(TestContext.Current.CancellationToken);
    }

    private static T Resource<T>(DistributedApplication app, string name) where T : IResource =>
        Assert.IsType<T>(app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name), exactMatch: false);

    [Fact]
    public async Task KafkaIsASingleNodeKraftBrokerWithHostAndContainerListeners()
    {
        await using var app = await BuildAsync();
        var kafka = Resource<KafkaServerResource>(app, "kafka");

        var image = Assert.Single(kafka.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal("confluentinc/confluent-local", image.Image);
        Assert.Equal("8.1.0", image.Tag);

        var endpoints = kafka.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name);
        Assert.Equal(9092, endpoints["tcp"].TargetPort);
        Assert.Equal(9093, endpoints["internal"].TargetPort);
        Assert.NotEmpty(kafka.Annotations.OfType<HealthCheckAnnotation>());

        var environment = await kafka.PublishedEnvironmentAsync();
        Assert.Contains("HOST://0.0.0.0:9092", environment["KAFKA_LISTENERS"]);
        Assert.Contains("INTERNAL://kafka:9093", environment["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.Contains("{kafka.bindings.tcp.port}", environment["KAFKA_ADVERTISED_LISTENERS"]);
    }

    [Fact]
    public async Task PostgresAndRedisAreAspireContainerResources()
    {
        await using var app = await BuildAsync();
        Resource<PostgresServerResource>(app, "postgres");
        var database = Resource<PostgresDatabaseResource>(app, "reelmetrics");
        Assert.Equal("reelmetrics", database.DatabaseName);
        Assert.Equal("identitydb", Resource<PostgresDatabaseResource>(app, "identitydb").DatabaseName);
        Resource<RedisResource>(app, "redis");
        Resource<ContainerResource>(app, "kafka-ui");
    }

    [Theory]
    [InlineData("generator", new[] { "kafka" })]
    [InlineData("consumer", new[] { "kafka", "redis" })]
    [InlineData("api-dapper", new[] { "redis" })]
    [InlineData("api-ef", new[] { "redis" })]
    public async Task ServicesGetTheConnectionStringsTheyNeed(string service, string[] connections)
    {
        await using var app = await BuildAsync();
        var project = Resource<ProjectResource>(app, service);
        var environment = await project.PublishedEnvironmentAsync();
        foreach (var connection in connections)
        {
            Assert.Equal($"{{{connection}.connectionString}}", environment[$"ConnectionStrings__{connection}"]);
        }
        Assert.Contains("Database=reelmetrics", environment[$"ConnectionStrings__{ConnectionNames.Database}"]);
    }

    [Theory]
    [InlineData("migrations", "reelmetrics_migrations", "db-migrations-password")]
    [InlineData("generator", "reelmetrics_generator", "db-generator-password")]
    [InlineData("consumer", "reelmetrics_consumer", "db-consumer-password")]
    [InlineData("api-dapper", "reelmetrics_api", "db-api-password")]
    [InlineData("api-ef", "reelmetrics_api", "db-api-password")]
    public async Task EachServiceConnectsToPostgreSqlAsItsOwnRole(string service, string role, string passwordParameter)
    {
        await using var app = await BuildAsync();
        var connectionString = (await Resource<ProjectResource>(app, service).PublishedEnvironmentAsync())[$"ConnectionStrings__{ConnectionNames.Database}"];

        Assert.Contains($"Username={role};", connectionString);
        Assert.Contains($"Password={{{passwordParameter}.value}};", connectionString);
        Assert.DoesNotContain("postgres-password", connectionString);
        Assert.True(Resource<ParameterResource>(app, passwordParameter).Secret);
    }

    [Fact]
    public async Task TheIdentityServiceConnectsToItsOwnDatabaseAsItsOwnRole()
    {
        await using var app = await BuildAsync();
        var environment = await Resource<ProjectResource>(app, "identity").PublishedEnvironmentAsync();
        var connectionString = environment[$"ConnectionStrings__{ConnectionNames.IdentityDatabase}"];
        Assert.Contains("Username=reelmetrics_identity;", connectionString);
        Assert.Contains("Database=identitydb", connectionString);
        Assert.Contains("Password={db-identity-password.value};", connectionString);
        Assert.DoesNotContain(environment, e => e.Key == $"ConnectionStrings__{ConnectionNames.Database}");
    }

    [Fact]
    public async Task OnlyTheMigrationServiceGetsTheSuperuserAndTheOtherRolesPasswords()
    {
        await using var app = await BuildAsync();
        var migrations = await Resource<ProjectResource>(app, "migrations").PublishedEnvironmentAsync();
        Assert.Contains("{postgres-password.value}", migrations[$"ConnectionStrings__{ConnectionNames.Postgres}"]);
        foreach (var role in new[] { "Consumer", "Api", "Generator", "Identity" })
        {
            Assert.Equal($"{{db-{role.ToLowerInvariant()}-password.value}}", migrations[$"DatabaseRoles__{role}__Password"]);
        }

        foreach (var service in new[] { "generator", "consumer", "api-dapper", "api-ef", "identity" })
        {
            var environment = await Resource<ProjectResource>(app, service).PublishedEnvironmentAsync();
            Assert.DoesNotContain(environment, e => e.Key == $"ConnectionStrings__{ConnectionNames.Postgres}" || e.Key.StartsWith("DatabaseRoles__", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task KafkaRequiresSaslAndDeniesWhatNoAclAllows()
    {
        await using var app = await BuildAsync();
        var environment = await Resource<KafkaServerResource>(app, "kafka").PublishedEnvironmentAsync();

        Assert.Equal("CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,HOST:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT", environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]);
        // The unauthenticated listeners are bound to the container's loopback only.
        Assert.Contains("PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,", environment["KAFKA_LISTENERS"]);
        Assert.Equal("org.apache.kafka.metadata.authorizer.StandardAuthorizer", environment["KAFKA_AUTHORIZER_CLASS_NAME"]);
        Assert.Equal("false", environment["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"]);
        Assert.Equal("false", environment["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]);
        foreach (var listener in new[] { "HOST", "INTERNAL" })
        {
            Assert.Equal("SCRAM-SHA-256,PLAIN", environment[$"KAFKA_LISTENER_NAME_{listener}_SASL_ENABLED_MECHANISMS"]);
            Assert.Contains("user_admin=\"{kafka-admin-password.value}\"", environment[$"KAFKA_LISTENER_NAME_{listener}_PLAIN_SASL_JAAS_CONFIG"]);
            Assert.Contains("ScramLoginModule", environment[$"KAFKA_LISTENER_NAME_{listener}_SCRAM___SHA___256_SASL_JAAS_CONFIG"]);
        }
    }

    [Theory]
    [InlineData("generator", "generator")]
    [InlineData("consumer", "consumer")]
    public async Task EachKafkaClientSignsInWithScramAsItsOwnPrincipal(string service, string principal)
    {
        await using var app = await BuildAsync();
        var environment = await Resource<ProjectResource>(app, service).PublishedEnvironmentAsync();
        foreach (var client in new[] { "Producer", "Consumer" })
        {
            var config = $"Aspire__Confluent__Kafka__{client}__Config__";
            Assert.Equal("SaslPlaintext", environment[config + "SecurityProtocol"]);
            Assert.Equal("ScramSha256", environment[config + "SaslMechanism"]);
            Assert.Equal(principal, environment[config + "SaslUsername"]);
            Assert.Equal($"{{kafka-{principal}-password.value}}", environment[config + "SaslPassword"]);
        }
    }

    [Fact]
    public async Task TheGeneratorMayOnlyProduceSalesAndTheConsumerOnlyConsumeItsGroupAndProduceDeadLetters()
    {
        await using var app = await BuildAsync();
        var kafka = Resource<KafkaServerResource>(app, "kafka");
        string[] Allowed(string user) => kafka.Users[user].Acls
            .Select(acl => $"{acl.Entry.Principal} {acl.Entry.PermissionType} {acl.Entry.Operation} {acl.Pattern.Type}:{acl.Pattern.Name}:{acl.Pattern.ResourcePatternType}")
            .Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["consumer", "generator", "kafka-ui"], kafka.Users.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["User:generator Allow Describe Topic:ticket-sales:Literal", "User:generator Allow Write Topic:ticket-sales:Literal"],
            Allowed(KafkaPrincipals.UserOf(KafkaPrincipal.Generator)));
        Assert.Equal(
            [
                "User:consumer Allow Describe Topic:ticket-sales-dead-letters:Literal", "User:consumer Allow Describe Topic:ticket-sales:Literal",
                "User:consumer Allow Read Group:reelmetrics-consumer:Literal", "User:consumer Allow Read Topic:ticket-sales:Literal",
                "User:consumer Allow Write Topic:ticket-sales-dead-letters:Literal",
            ],
            Allowed(KafkaPrincipals.UserOf(KafkaPrincipal.Consumer)));
        Assert.All(Allowed("kafka-ui"), acl => Assert.StartsWith("User:kafka-ui ", acl, StringComparison.Ordinal));
        Assert.DoesNotContain(Allowed("kafka-ui"), acl => acl.Contains(" Write ") || acl.Contains(" Create ") || acl.Contains(" Delete ") || acl.Contains(" Alter"));
        Assert.Equal(
            ["ticket-sales-dead-letters:1", $"ticket-sales:{Topics.TicketSalesPartitions}"],
            kafka.Topics.Select(t => $"{t.Name}:{t.NumPartitions}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task KafkaUiIsReadOnlyAndSignsInAsItsOwnPrincipal()
    {
        await using var app = await BuildAsync();
        var environment = await Resource<ContainerResource>(app, "kafka-ui").PublishedEnvironmentAsync();

        Assert.Equal("true", environment["KAFKA_CLUSTERS_0_READONLY"]);
        Assert.Equal("SASL_PLAINTEXT", environment["KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL"]);
        Assert.Equal("SCRAM-SHA-256", environment["KAFKA_CLUSTERS_0_PROPERTIES_SASL_MECHANISM"]);
        Assert.Contains("username=\"kafka-ui\" password=\"{kafka-kafka-ui-password.value}\"", environment["KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG"]);
    }

    [Fact]
    public async Task ServicesWaitForTheSchemaBeforeTouchingTheDatabase()
    {
        await using var app = await BuildAsync();
        foreach (var service in new[] { "generator", "consumer", "api-dapper", "api-ef" })
        {
            var waits = Resource<ProjectResource>(app, service).Annotations.OfType<WaitAnnotation>().ToList();
            Assert.Contains(waits, w => w.Resource.Name == "migrations" && w.WaitType == WaitType.WaitForCompletion);
        }
    }

    [Fact]
    public async Task TheApisAcceptTheIdentityServicesTokensAndTheDashboardSignsInWithIt()
    {
        await using var app = await BuildAsync();
        foreach (var api in new[] { "api-dapper", "api-ef" })
        {
            var environment = await Resource<ProjectResource>(app, api).PublishedEnvironmentAsync();
            Assert.Equal("{identity.bindings.http.url}/", environment["Authentication__Schemes__Bearer__Authority"]);
            Assert.Equal("reelmetrics-api", environment["Authentication__Schemes__Bearer__ValidAudiences__0"]);
            Assert.Equal("false", environment["Authentication__Schemes__Bearer__RequireHttpsMetadata"]);
        }

        var frontend = await Resource<ExecutableResource>(app, "frontend").PublishedEnvironmentAsync();
        Assert.Equal("{identity.bindings.http.url}", frontend["REELMETRICS_IDENTITY_URL"]);

        var identity = await Resource<ProjectResource>(app, "identity").PublishedEnvironmentAsync();
        Assert.Equal("{frontend.bindings.http.url}", identity["Identity__DashboardOrigins__0"]);
        Assert.Equal("{api-dapper.bindings.http.url}", identity["Identity__ApiOrigins__0"]);
        Assert.Equal("{api-ef.bindings.http.url}", identity["Identity__ApiOrigins__1"]);
        Assert.Equal("viewer", identity["Identity__MachineClients__reelmetrics-reports__Role"]);
        Assert.Equal("{reports-client-secret.value}", identity["Identity__MachineClients__reelmetrics-reports__Secret"]);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("operator")]
    [InlineData("admin")]
    public async Task EachDemoUsersPasswordIsAGeneratedSecretParameter(string user)
    {
        await using var app = await BuildAsync();
        var password = Resource<ParameterResource>(app, $"{user}-password");

        Assert.True(password.Secret);
        // Generated (and kept in the AppHost's user secrets), never a value from the repository.
        Assert.NotNull(password.Default);
        Assert.Matches("^[A-Za-z0-9]{20,}$", await password.GetValueAsync(TestContext.Current.CancellationToken));
        var identity = await Resource<ProjectResource>(app, "identity").PublishedEnvironmentAsync();
        Assert.Equal($"{{{user}-password.value}}", identity[$"Identity__DemoUsers__{user}__Password"]);
    }
}
