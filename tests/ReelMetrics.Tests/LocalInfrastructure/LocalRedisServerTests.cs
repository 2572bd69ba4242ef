using System.Diagnostics;
using ReelMetrics.LocalInfrastructure.Redis;
using StackExchange.Redis;

namespace ReelMetrics.Tests.LocalInfrastructure;

public sealed class LocalRedisServerTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serves_SET_and_GET_on_a_free_port()
    {
        using var server = StartServer();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var db = redis.GetDatabase();

        await db.StringSetAsync("greeting", "hello");

        Assert.Equal($"127.0.0.1:{server.Port}", server.ConnectionString);
        Assert.Equal("hello", await db.StringGetAsync("greeting"));
    }

    [Fact]
    public async Task Requires_the_password_when_one_is_set()
    {
        using var server = StartServer(password: "s3cret");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);

        Assert.Equal($"127.0.0.1:{server.Port},password=s3cret", server.ConnectionString);
        Assert.True(await redis.GetDatabase().StringSetAsync("k", "v"));
        await Assert.ThrowsAsync<RedisConnectionException>(() =>
            ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{server.Port},password=wrong,connectTimeout=2000"));
    }

    [Fact]
    public async Task ZADD_GT_only_ever_raises_a_score()
    {
        using var server = StartServer();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var db = redis.GetDatabase();

        Assert.Equal(1, (int)await db.ExecuteAsync("ZADD", "board", "GT", 5, "matrix"));
        Assert.Equal(0, (int)await db.ExecuteAsync("ZADD", "board", "GT", 3, "matrix"));
        Assert.Equal(5, await db.SortedSetScoreAsync("board", "matrix"));
        Assert.Equal(1, (int)await db.ExecuteAsync("ZADD", "board", "GT", "CH", 8, "matrix"));
        Assert.Equal(8, await db.SortedSetScoreAsync("board", "matrix"));
        Assert.False(await db.SortedSetAddAsync("board", "matrix", 2, SortedSetWhen.GreaterThan));
        Assert.Equal(8, await db.SortedSetScoreAsync("board", "matrix"));
    }

    [Fact]
    public async Task Runs_Lua_scripts_with_EVAL()
    {
        using var server = StartServer();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var db = redis.GetDatabase();

        var total = await db.ScriptEvaluateAsync(
            "redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('ZADD', KEYS[2], 'GT', ARGV[1], 'titanic'); return redis.call('INCRBY', KEYS[1], ARGV[1])",
            ["tickets", "top"], [3]);

        Assert.Equal(6, (int)total);
        Assert.Equal(3, await db.SortedSetScoreAsync("top", "titanic"));
    }

    [Fact]
    public async Task Logical_databases_are_isolated()
    {
        using var server = StartServer();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.GetConnectionString(database: 3));

        await redis.GetDatabase().StringSetAsync("k", "three");
        await redis.GetDatabase().ScriptEvaluateAsync("return redis.call('SET', KEYS[1], 'from lua')", ["lua"]);

        Assert.Equal(3, redis.GetDatabase().Database);
        Assert.False(await redis.GetDatabase(0).KeyExistsAsync("k"));
        Assert.False(await redis.GetDatabase(0).KeyExistsAsync("lua"));
        Assert.Equal("from lua", await redis.GetDatabase(3).StringGetAsync("lua"));
    }

    [Fact]
    public async Task Restarts_on_the_same_port_empty_and_clients_reconnect()
    {
        using var server = StartServer(password: "pw");
        var port = server.Port;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",abortConnect=false");
        var db = redis.GetDatabase();
        await db.StringSetAsync("before", "restart");

        server.Stop();
        Assert.False(server.IsRunning);
        await Assert.ThrowsAnyAsync<RedisException>(() => db.PingAsync());
        server.Start();

        Assert.Equal(port, server.Port);
        await EventuallyAsync(async () => await db.StringSetAsync("after", "restart"));
        Assert.False(await db.KeyExistsAsync("before"));
        Assert.Equal("restart", await db.StringGetAsync("after"));
    }

    private static LocalRedisServer StartServer(string? password = null) => LocalRedisServer.StartNew(
        new LocalRedisOptions { Password = password, MemorySize = "256m", IndexSize = "16m" },
        TestOutputLogger.ForCurrentTest());

    /// <summary>Retries an action until it succeeds, for at most 20 seconds (a multiplexer reconnects with back-off).</summary>
    private static async Task EventuallyAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (RedisException) when (clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(100, Cancellation);
            }
        }
    }
}
