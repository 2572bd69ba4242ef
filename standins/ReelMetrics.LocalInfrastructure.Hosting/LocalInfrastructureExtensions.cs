using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReelMetrics.Database;
using ReelMetrics.LocalInfrastructure.Postgres;

namespace ReelMetrics.LocalInfrastructure.Hosting;

/// <summary>
/// Adds PostgreSQL, Redis (Garnet) and Kafka (librdkafka mock cluster) as local processes, so
/// ReelMetrics runs on a machine without a container runtime. Each is a resource of its own in the
/// dashboard, with logs and a health check, under the name its container counterpart would have.
/// </summary>
public static class LocalInfrastructureExtensions
{
    /// <summary>
    /// Adds a local PostgreSQL server on <paramref name="port"/>; its data persists across runs, under
    /// <paramref name="dataDirectory"/> when it is set (otherwise the server's default).
    /// </summary>
    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, int port, string? dataDirectory)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);

        var server = builder.AddResource(new LocalPostgresServerResource(name, "dotnet", builder.AppHostDirectory, password))
            .WithLocalServerArgs("postgres", port)
            .WithArgs(context =>
            {
                if (!string.IsNullOrEmpty(dataDirectory))
                {
                    context.Args.Add("--data-dir");
                    context.Args.Add(Path.Combine(dataDirectory, name));
                }
            })
            // The password travels in the environment, not on a command line anyone can list.
            .WithEnvironment("POSTGRES_PASSWORD", password)
            .WithIconName("DatabaseStack");
        return server.WithReadinessCheck(ReadinessChecks.PostgresAnswersAsync);
    }

    /// <summary>Adds a database to a local PostgreSQL server; it is created when the server is ready.</summary>
    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new LocalPostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.OnResourceReady(async (resource, @event, ct) =>
        {
            await using var connection = new NpgsqlConnection(await resource.ConnectionStringExpression.GetValueAsync(ct));
            await connection.OpenAsync(ct);
            await PostgresDatabases.CreateIfMissingAsync(connection, database.DatabaseName, ct);
            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with { State = KnownResourceStates.Running });
        });

        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("postgres.database", database.DatabaseName)],
            })
            .WithIconName("Database")
            .WithReadinessCheck(ReadinessChecks.PostgresAnswersAsync);
    }

    /// <summary>Adds a local Redis-compatible server (Microsoft Garnet).</summary>
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, int port)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        return builder.AddResource(new LocalRedisResource(name, "dotnet", builder.AppHostDirectory, password))
            .WithLocalServerArgs("redis", port)
            .WithEnvironment("REDIS_PASSWORD", password)
            .WithIconName("Memory")
            .WithReadinessCheck(async (resource, ct) =>
            {
                var options = StackExchange.Redis.ConfigurationOptions.Parse(await resource.ConnectionStringExpression.GetValueAsync(ct) ?? "");
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 2000;
                await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options);
                await redis.GetDatabase().PingAsync();
            });
    }

    /// <summary>Adds a local Kafka broker (librdkafka's mock cluster); its topics are given with <see cref="WithTopic"/>.</summary>
    public static IResourceBuilder<LocalKafkaResource> AddLocalKafka(this IDistributedApplicationBuilder builder, string name, int port)
    {
        return builder.AddResource(new LocalKafkaResource(name, "dotnet", builder.AppHostDirectory))
            .WithLocalServerArgs("kafka", port)
            .WithIconName("Stream")
            .WithReadinessCheck(async (resource, ct) =>
                KafkaReadiness.Check(await resource.ConnectionStringExpression.GetValueAsync(ct) ?? ""));
    }

    /// <summary>A topic the local broker creates at start.</summary>
    public static IResourceBuilder<LocalKafkaResource> WithTopic(this IResourceBuilder<LocalKafkaResource> builder, string name, int partitions) =>
        builder.WithArgs("--topic", $"{name}:{partitions.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    private static IResourceBuilder<T> WithLocalServerArgs<T>(this IResourceBuilder<T> builder, string server, int port)
        where T : LocalServerResource =>
        builder
            // The port is fixed and not proxied: Kafka advertises it to clients, and a proxy would cost throughput.
            .WithEndpoint(LocalServerResource.EndpointName, endpoint =>
            {
                endpoint.Port = port;
                endpoint.TargetPort = port;
                endpoint.IsProxied = false;
                endpoint.UriScheme = "tcp";
            })
            .WithArgs(LocalInfrastructureProgram.Path, server, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithOtlpExporter();
}

/// <summary>The ReelMetrics.LocalInfrastructure program, which the AppHost runs from its own folder (its project reference copies it there).</summary>
public static class LocalInfrastructureProgram
{
    internal static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "ReelMetrics.LocalInfrastructure.dll");

    /// <summary>Where the PostgreSQL server binaries the program would run are installed, or null when they are not.</summary>
    public static string? FindPostgres()
    {
        try
        {
            return PostgresBinaries.Find();
        }
        catch (PostgresNotFoundException)
        {
            return null;
        }
    }
}
