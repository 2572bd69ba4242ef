using Npgsql;
using ReelMetrics.Tests.Fixtures;
using StackExchange.Redis;

namespace ReelMetrics.Tests.LocalInfrastructure;

public sealed class FixtureTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostgresFixture_hands_out_separate_empty_databases()
    {
        var first = await postgres.CreateDatabaseAsync("Fixture Tests!", Cancellation);
        var second = await postgres.CreateDatabaseAsync(cancellationToken: Cancellation);

        await LocalPostgresServerTests.ExecuteAsync(first, "CREATE TABLE only_in_first (id int)");

        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
        Assert.StartsWith("fixture_tests__", new NpgsqlConnectionStringBuilder(first).Database);
        Assert.Equal(0L, await LocalPostgresServerTests.ScalarAsync<long>(second,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_first'"));
    }

    [Fact]
    public async Task RedisFixture_hands_out_separate_databases()
    {
        await using var first = await ConnectionMultiplexer.ConnectAsync(redis.CreateDatabase());
        await using var second = await ConnectionMultiplexer.ConnectAsync(redis.CreateDatabase());

        await first.GetDatabase().StringSetAsync("shared-name", "first");

        Assert.NotEqual(first.GetDatabase().Database, second.GetDatabase().Database);
        Assert.False(await second.GetDatabase().KeyExistsAsync("shared-name"));
        Assert.Equal("first", await first.GetDatabase().StringGetAsync("shared-name"));
    }

    [Fact]
    public async Task RedisFixture_leases_come_back_flushed()
    {
        var lease = await redis.LeaseDatabaseAsync();
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(lease.ConnectionString))
        {
            await connection.GetDatabase().StringSetAsync("left-behind", "x");
            Assert.Equal(lease.Database, connection.GetDatabase().Database);
        }

        await lease.DisposeAsync();

        await using var check = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.False(await check.GetDatabase(lease.Database).KeyExistsAsync("left-behind"));
    }
}
