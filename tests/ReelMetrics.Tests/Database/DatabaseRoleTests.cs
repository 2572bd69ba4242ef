using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Database;
using ReelMetrics.Database.Roles;
using ReelMetrics.Generator;
using ReelMetrics.Tests.Fixtures;
using ReelMetrics.Tests.Ingestion;
using StackExchange.Redis;

namespace ReelMetrics.Tests.Database;

/// <summary>
/// Each service's login may do what the service does and nothing more. The roles are cluster-wide, so every test of
/// this class (they run one after another) installs them on the shared server with the same role names, as the
/// migration service does: the superuser creates the roles, the migration role migrates.
/// </summary>
public sealed class DatabaseRoleTests(PostgresFixture postgres, RedisFixture redis)
{
    private const string InsufficientPrivilege = "42501";
    private const string InvalidPassword = "28P01";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheApiRoleCanReadEverythingAndChangeOnlyTheOperatorsSideOfDeadLetters()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_api");
        await using var api = installation.DataSource(DatabaseRole.Api);

        Assert.True(await ScalarAsync<long>(api, "select count(*) from theaters") > 0);
        await ScalarAsync<long>(api, "select count(*) from sales");
        await ScalarAsync<long>(api, "select count(*) from dead_letters");

        string[] forbidden =
        [
            "insert into sales (event_id, sold_at, theater_id, movie_id, sale_date, tickets_sold, ticket_price, revenue, currency, channel) values (gen_random_uuid(), now(), 1, 1, current_date, 1, 10, 10, 'USD', 'online')",
            "insert into theaters values (9999, 'Nowhere', 'Nowhere', 'UTC')",
            "update theaters set name = name || '!'",
            "update theater_daily_sales set revenue = 0",
            "delete from sales",
            "delete from dead_letters",
            "insert into dead_letters (reason, detail, topic, kafka_partition, kafka_offset, payload, message_id) values ('x', 'x', 't', 0, 0, '', gen_random_uuid())",
            "update dead_letters set payload = ''",
            "update dead_letters set reason = 'fixed', detail = 'by hand'",
            "update dead_letters set event_id = gen_random_uuid(), replay_attempts = 0",
            "truncate sales",
            "truncate theaters cascade",
            "create table stolen (id int)",
            "create temporary table scratch (id int)",
            "create view cheap as select 1",
            "create function f() returns int language sql as 'select 1'",
            "alter table sales add column note text",
            "drop table sales",
            "create schema elsewhere",
            "alter table theaters owner to reelmetrics_api",
        ];
        foreach (var sql in forbidden)
        {
            await AssertRefusedAsync(api, sql);
        }

        // The dead-letter console's statements: lock letters, ask for a replay, discard with a note (DatabasePrivileges.ApiWrites).
        await ScalarAsync<long>(api, "select count(*) from (select dead_letter_id from dead_letters where dead_letter_id = any(array[1, 2]) for update) l");
        await ExecuteAsync(api, "update dead_letters set state = 'replay_requested', requested_by = 'operator', requested_at = now() where state = 'dead'");
        await ExecuteAsync(api, "update dead_letters set state = 'discarded', note = 'why', resolved_by = 'operator', resolved_at = now() where state = 'dead'");
    }

    [Fact]
    public async Task TheApiRoleRaisesAndResolvesAlertsAndDoesNothingElseToThem()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_api_alerts");
        await using var api = installation.DataSource(DatabaseRole.Api);

        await ExecuteAsync(api, "insert into alerts (rule, subject, severity, message, details, raised_at) values ('pipeline_stalled', 'pipeline', 'critical', 'stalled', '{}', now())");
        await ExecuteAsync(api, "update alerts set resolved_at = now(), message = message || '.' where resolved_at is null");
        Assert.Equal(1L, await ScalarAsync<long>(api, "select count(*) from alerts where resolved_at is not null"));

        await AssertRefusedAsync(api, "update alerts set rule = 'other'");
        await AssertRefusedAsync(api, "update alerts set raised_at = now()");
        await AssertRefusedAsync(api, "delete from alerts");
        await AssertRefusedAsync(api, "insert into pipeline_heartbeats (consumer_id, host, started_at, heartbeat_at, consumer_lag, sales_last_minute, partitions) values (gen_random_uuid(), 'x', now(), now(), 0, 0, 0)");
    }

    [Fact]
    public async Task TheConsumerRoleWritesItsHeartbeatAndForgetsOldOnes()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_consumer_heartbeat");
        await using var consumer = installation.DataSource(DatabaseRole.Consumer);

        await ExecuteAsync(consumer, """
            insert into pipeline_heartbeats (consumer_id, host, started_at, heartbeat_at, consumer_lag, sales_last_minute, partitions)
            values ('6f1c2a5e-0000-4000-8000-000000000001', 'x', now(), now(), 0, 0, 4)
            on conflict (consumer_id) do update set heartbeat_at = excluded.heartbeat_at
            """);
        await ExecuteAsync(consumer, "delete from pipeline_heartbeats where heartbeat_at < now() - interval '1 day'");
        Assert.Equal(1L, await ScalarAsync<long>(consumer, "select count(*) from pipeline_heartbeats"));

        await AssertRefusedAsync(consumer, "insert into alerts (rule, subject, severity, message, raised_at) values ('x', 'y', 'info', 'z', now())");
    }

    [Fact]
    public async Task TablesAMigrationAddsLaterAreReadableByTheApiAtOnce()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_api_future");
        await using var migrations = installation.DataSource(DatabaseRole.Migrations);
        await ExecuteAsync(migrations, "create table seat_maps (showtime_id bigint primary key)");

        await using var api = installation.DataSource(DatabaseRole.Api);
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from seat_maps"));
        await AssertRefusedAsync(api, "insert into seat_maps values (1)");
    }

    [Fact]
    public async Task TheConsumerRoleIngestsSalesAndDeadLettersButDropsAndDeletesNothing()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_consumer");
        await using var consumer = installation.DataSource(DatabaseRole.Consumer);

        // The real pipeline, as the consumer runs it: catalog, staging table, sales, aggregates, a dead letter.
        await using var cache = await ConnectionMultiplexer.ConnectAsync(redis.CreateDatabase());
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        await using var store = new SalesStore(consumer);
        var live = new LiveAggregates(cache, consumer, NullLogger<LiveAggregates>.Instance);
        var processor = new BatchProcessor(new CatalogCache(consumer), store, live, new IngestionMetrics(meters), TimeProvider.System, NullLogger<BatchProcessor>.Instance);
        await live.RebuildIfNeededAsync(Cancel);
        var events = SaleEvents.Random(300, seed: 5);
        var outcome = await processor.ProcessAsync(events.Select((sale, i) => Message(sale, i)).Append(Garbage(events.Count)).ToList(), Cancel);

        Assert.Equal(events.Count, outcome.Stored);
        Assert.Equal(events.Count, await ScalarAsync<long>(consumer, "select count(*) from sales"));
        Assert.Equal(1L, await ScalarAsync<long>(consumer, "select count(*) from dead_letters"));
        // The dead-letter publisher's statements.
        await ScalarAsync<long>(consumer, "select count(*) from (select dead_letter_id from dead_letters where published_at is null for update skip locked) l");
        await ExecuteAsync(consumer, "update dead_letters set published_at = now() where published_at is null");

        string[] forbidden =
        [
            "drop table sales", "drop table dead_letters", "drop table theaters",
            "truncate sales", "truncate theater_daily_sales", "truncate dead_letters",
            "delete from sales", "delete from theater_daily_sales", "delete from dead_letters",
            "alter table sales drop column revenue", "alter table dead_letters disable trigger all",
            "update sales set revenue = 0", "update showtimes set capacity = 100000",
            "insert into theaters values (9999, 'Nowhere', 'Nowhere', 'UTC')", "update movies set title = 'x'", "delete from showtimes",
            "create table stolen (id int)", "create index sales_everything on sales (revenue)",
            "alter table showtime_sales drop constraint showtime_sales_within_capacity", "update showtime_sales set capacity = 100000",
        ];
        foreach (var sql in forbidden)
        {
            await AssertRefusedAsync(consumer, sql);
        }
    }

    [Fact]
    public async Task TheGeneratorRoleReadsOnlyTheShowtimesAndTheirSeatsSold()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_generator");
        await using var generator = installation.DataSource(DatabaseRole.Generator);

        var sold = await new ShowtimeSalesReader(generator, NullLogger<ShowtimeSalesReader>.Instance)
            .ReadAsync(SalesDatabase.Today, SalesDatabase.Today, Cancel);

        Assert.NotEmpty(sold);
        await AssertRefusedAsync(generator, "select count(*) from sales");
        await AssertRefusedAsync(generator, "update showtime_sales set tickets_sold = 0");
    }

    [Fact]
    public async Task MigrationsRunAsTheMigrationRoleWhichOwnsTheSchemaAndIsNoSuperuser()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_owner");
        await using var admin = NpgsqlDataSource.Create(installation.SuperuserConnectionString);

        Assert.Equal(["reelmetrics_migrations"], await ListAsync(installation.Superuser(installation.SalesDatabase),
            "select distinct tableowner::text from pg_tables where schemaname = 'public'"));
        Assert.Equal("reelmetrics_migrations", await ScalarAsync<string>(admin, $"select pg_get_userbyid(datdba) from pg_database where datname = '{installation.SalesDatabase}'"));
        Assert.Equal(0L, await ScalarAsync<long>(admin,
            "select count(*) from pg_roles where rolname like 'reelmetrics\\_%' and (rolsuper or rolcreatedb or rolcreaterole or rolbypassrls or rolreplication)"));
        await using var migrations = installation.DataSource(DatabaseRole.Migrations);
        await AssertRefusedAsync(migrations, "create role intruder superuser");
    }

    [Fact]
    public async Task TheIdentityRoleOwnsItsOwnDatabaseAndCannotOpenTheSalesDatabase()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_identity");

        var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var identityOnSales = installation.DataSource(DatabaseRole.Identity, installation.SalesDatabase);
            await ScalarAsync<long>(identityOnSales, "select count(*) from sales");
        });
        Assert.Equal(InsufficientPrivilege, refused.SqlState);

        await using var identity = installation.DataSource(DatabaseRole.Identity, installation.IdentityDatabase);
        await ExecuteAsync(identity, "create table users (id int primary key); insert into users values (1)");
        Assert.Equal(1L, await ScalarAsync<long>(identity, "select count(*) from users"));

        var apiRefused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var apiOnIdentity = installation.DataSource(DatabaseRole.Api, installation.IdentityDatabase);
            await ScalarAsync<long>(apiOnIdentity, "select count(*) from users");
        });
        Assert.Equal(InsufficientPrivilege, apiRefused.SqlState);
    }

    [Fact]
    public async Task BootstrapIsIdempotentAndAChangedPasswordTakesEffect()
    {
        var installation = await Installation.CreateAsync(postgres, "roles_again");
        await installation.BootstrapAndMigrateAsync();   // a second start, unchanged: nothing to do, nothing fails

        var changed = installation.WithPassword(DatabaseRole.Api, "a-new-api-password-0123456789");
        await changed.BootstrapAndMigrateAsync();

        await using (var newPassword = changed.DataSource(DatabaseRole.Api))
        {
            Assert.True(await ScalarAsync<long>(newPassword, "select count(*) from theaters") > 0);
        }

        var oldRefused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var oldPassword = installation.DataSource(DatabaseRole.Api);
            await ScalarAsync<long>(oldPassword, "select 1");
        });
        Assert.Equal(InvalidPassword, oldRefused.SqlState);
    }

    [Fact]
    public async Task PasswordsAreStoredAsScramVerifiers()
    {
        // One password the server hashes itself (not ASCII), the others hashed by the bootstrap.
        var installation = (await Installation.CreateAsync(postgres, "roles_scram")).WithPassword(DatabaseRole.Identity, "identité-0123456789-ünïcode");
        await installation.BootstrapAndMigrateAsync();

        var stored = await ListAsync(installation.SuperuserConnectionString, "select coalesce(rolpassword, '') from pg_authid where rolname like 'reelmetrics\\_%'");
        Assert.Equal(DatabaseRoles.All.Count, stored.Count);
        Assert.All(stored, password => Assert.StartsWith("SCRAM-SHA-256$4096:", password));
    }

    [Fact]
    public async Task TablesASuperuserCreatedBeforeAreHandedToTheMigrationRole()
    {
        // An installation from before the roles: the superuser migrated it.
        var superuserDatabase = await postgres.CreateDatabaseAsync("roles_upgrade", Cancel);
        await using (var old = NpgsqlDataSource.Create(superuserDatabase))
        {
            await new DatabaseMigrator(old, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(SalesDatabase.Today, Cancel);
        }

        var installation = await Installation.CreateAsync(superuserDatabase);
        Assert.Equal(["reelmetrics_migrations"], await ListAsync(installation.Superuser(installation.SalesDatabase),
            "select distinct pg_get_userbyid(c.relowner)::text from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'S', 'i')"));
        await using var api = installation.DataSource(DatabaseRole.Api);
        Assert.True(await ScalarAsync<long>(api, "select count(*) from showtimes") > 0);
    }

    [Fact]
    public void TheScramVerifierIsTheOnePostgreSqlWouldStore()
    {
        // RFC 7677's example: user "user", password "pencil", salt "W22ZaJ0SNY7soEsUEjb6gQ==", 4096 iterations.
        var verifier = ScramVerifier.For("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));
        Assert.Equal("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", verifier);
    }

    private static RawMessage Message(ReelMetrics.Contracts.TicketSold sale, int offset) =>
        new(new MessageCoordinates(ReelMetrics.Contracts.Topics.TicketSales, 0, offset),
            sale.TheaterId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(sale, ReelMetrics.Contracts.ContractJson.Default.TicketSold),
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static RawMessage Garbage(int offset) =>
        new(new MessageCoordinates(ReelMetrics.Contracts.Topics.TicketSales, 0, offset), null, "not json"u8.ToArray(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static async Task AssertRefusedAsync(NpgsqlDataSource dataSource, string sql)
    {
        PostgresException? refused = null;
        try
        {
            await ExecuteAsync(dataSource, sql);
        }
        catch (PostgresException e)
        {
            refused = e;
        }

        Assert.True(refused is not null, $"{sql}: was allowed");
        Assert.True(refused.SqlState == InsufficientPrivilege, $"{sql}: expected 42501 (insufficient privilege), got {refused.SqlState} {refused.MessageText}");
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }

    private static async Task<List<string>> ListAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var values = new List<string>();
        while (await reader.ReadAsync(Cancel)) values.Add(reader.GetString(0));
        return values;
    }
}
