using System.Diagnostics;
using Npgsql;
using ReelMetrics.LocalInfrastructure;
using ReelMetrics.LocalInfrastructure.Postgres;

namespace ReelMetrics.Tests.LocalInfrastructure;

public sealed class LocalPostgresServerTests : IDisposable
{
    private readonly ScratchDirectory scratch = new();
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task Starts_in_an_empty_directory_and_accepts_password_connections()
    {
        await using var server = await StartAsync();

        Assert.True(server.IsRunning);
        Assert.StartsWith($"Host=127.0.0.1;Port={server.Port};Username=postgres;Password=", server.ConnectionString);
        Assert.True(File.Exists(Path.Combine(scratch.DataDirectory, "PG_VERSION")));
        Assert.Equal("UTF8", await ScalarAsync<string>(server.ConnectionString, "SHOW server_encoding"));
        Assert.Equal("200", await ScalarAsync<string>(server.ConnectionString, "SHOW max_connections"));
        Assert.Equal("127.0.0.1", await ScalarAsync<string>(server.ConnectionString, "SHOW listen_addresses"));
    }

    [Fact]
    public async Task A_durable_server_keeps_synchronous_commit_and_fsync_on()
    {
        await using var server = await StartAsync(durable: true);

        Assert.Equal("on", await ScalarAsync<string>(server.ConnectionString, "SHOW synchronous_commit"));
        Assert.Equal("on", await ScalarAsync<string>(server.ConnectionString, "SHOW fsync"));
        Assert.Equal("256MB", await ScalarAsync<string>(server.ConnectionString, "SHOW shared_buffers"));
    }

    [Fact]
    public async Task Rejects_a_wrong_password()
    {
        await using var server = await StartAsync();
        var wrong = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = "wrong", Pooling = false }.ConnectionString;

        var error = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<int>(wrong, "SELECT 1"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }

    [Fact]
    public async Task A_second_start_on_the_same_directory_reuses_the_cluster_and_its_data()
    {
        await using (var first = await StartAsync())
        {
            await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)");
        }

        var initialised = File.GetLastWriteTimeUtc(Path.Combine(scratch.DataDirectory, "PG_VERSION"));
        await using var second = await StartAsync();

        Assert.Equal(42, await ScalarAsync<int>(second.ConnectionString, "SELECT id FROM kept"));
        Assert.Equal(initialised, File.GetLastWriteTimeUtc(Path.Combine(scratch.DataDirectory, "PG_VERSION")));
    }

    [Fact]
    public async Task The_same_object_restarts_on_the_same_port()
    {
        await using var server = await StartAsync();
        var port = server.Port;
        await ExecuteAsync(server.ConnectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)");

        await server.StopAsync(Cancellation);
        Assert.False(server.IsRunning);
        await server.StartAsync(Cancellation);

        Assert.Equal(port, server.Port);
        Assert.Equal(7, await ScalarAsync<int>(server.ConnectionString, "SELECT id FROM kept"));
    }

    [Fact]
    public async Task The_configured_password_wins_over_the_one_the_cluster_was_created_with()
    {
        await using (var first = await StartAsync(password: "first-password"))
        {
            Assert.Equal(1, await ScalarAsync<int>(first.ConnectionString, "SELECT 1"));
        }

        await using var second = await StartAsync(password: "second'password;");

        Assert.Equal(1, await ScalarAsync<int>(second.ConnectionString, "SELECT 1"));
        var old = new NpgsqlConnectionStringBuilder(second.ConnectionString) { Password = "first-password", Pooling = false }.ConnectionString;
        await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<int>(old, "SELECT 1"));
    }

    [Fact]
    public async Task Recovers_from_a_postmaster_that_was_killed_and_left_its_pid_file()
    {
        await using (var killed = await StartAsync(durable: true))
        {
            await ExecuteAsync(killed.ConnectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)");
            Process.GetProcessById(killed.ProcessId!.Value).Kill();
            await killed.WaitForExitAsync(Cancellation);
        }

        Assert.True(File.Exists(Path.Combine(scratch.DataDirectory, "postmaster.pid")), "a killed postmaster leaves its pid file");
        await using var server = await StartAsync(durable: true);

        Assert.Equal(1, await ScalarAsync<int>(server.ConnectionString, "SELECT id FROM kept"));
    }

    [Fact]
    public async Task Stops_a_postmaster_orphaned_by_a_process_that_died_and_takes_over()
    {
        await using var orphaned = await StartAsync();
        await ExecuteAsync(orphaned.ConnectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (5)");
        await File.WriteAllTextAsync(Path.Combine(scratch.DataDirectory, "reelmetrics.owner"), $"{await DeadProcessIdAsync()} 1\n", Cancellation);

        await using var server = await StartAsync();

        Assert.Equal(0, await orphaned.WaitForExitAsync(Cancellation));
        Assert.Equal(5, await ScalarAsync<int>(server.ConnectionString, "SELECT id FROM kept"));
    }

    [Fact]
    public async Task Refuses_a_data_directory_served_by_a_live_server()
    {
        await using var running = await StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync());

        Assert.Contains("in use", error.Message);
        Assert.Equal(1, await ScalarAsync<int>(running.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task CreateDatabaseAsync_creates_once_and_is_a_no_op_afterwards()
    {
        await using var server = await StartAsync();

        var connectionString = await server.CreateDatabaseAsync("sales_test", Cancellation);
        await ExecuteAsync(connectionString, "CREATE TABLE marker (id int)");
        var again = await server.CreateDatabaseAsync("sales_test", Cancellation);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => server.CreateDatabaseAsync("raced", Cancellation)));

        Assert.Equal(connectionString, again);
        Assert.Contains("Database=sales_test", connectionString);
        Assert.Equal(0L, await ScalarAsync<long>(again, "SELECT count(*) FROM marker"));
        Assert.Equal(1L, await ScalarAsync<long>(server.ConnectionString, "SELECT count(*) FROM pg_database WHERE datname = 'raced'"));
    }

    [Fact]
    public void Missing_binaries_are_reported_with_what_to_install()
    {
        var error = Assert.Throws<PostgresNotFoundException>(() => PostgresBinaries.Find(Path.Combine(scratch.Path, "no-such-bin")));

        Assert.Contains("apt-get install postgresql", error.Message);
    }

    [Fact]
    public void Finds_the_installed_binaries()
    {
        var bin = PostgresBinaries.Find();

        Assert.True(File.Exists(Path.Combine(bin, "postgres")));
        Assert.True(File.Exists(Path.Combine(bin, "initdb")));
    }

    private Task<LocalPostgresServer> StartAsync(bool durable = false, string password = "test-password") =>
        LocalPostgresServer.StartNewAsync(
            new LocalPostgresOptions { DataDirectory = scratch.DataDirectory, Password = password, Durable = durable },
            TestOutputLogger.ForCurrentTest(),
            Cancellation);

    /// <summary>The id of a process that has certainly exited.</summary>
    private static async Task<int> DeadProcessIdAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync(Cancellation);
        return process.Id;
    }

    internal static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        // Pooling off: servers in these tests stop and restart, which would leave broken connections in a pool.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancellation);
    }
}
