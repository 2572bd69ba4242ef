using System.Security.Cryptography;
using System.Text;
using ReelMetrics.LocalInfrastructure.Postgres;

namespace ReelMetrics.Tests.LocalInfrastructure;

/// <summary>The server's data and socket directories belong to the account that runs it, and no one else.</summary>
public sealed class LocalPostgresDirectoryTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly ScratchDirectory scratch = new();
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task The_data_directory_is_private_to_the_account_that_runs_the_server()
    {
        await using var server = await StartAsync(scratch.DataDirectory);

        var status = Assert.IsType<PathStatus>(Posix.LStat(scratch.DataDirectory));
        Assert.True(status.IsDirectory);
        Assert.Equal(OwnerOnly, status.Mode);
        Assert.Equal(ServerUid, status.Uid);
    }

    [Fact]
    public async Task A_long_data_directory_gets_a_private_socket_directory_of_its_own()
    {
        var dataDirectory = LongDataDirectory();
        await using var server = await StartAsync(dataDirectory);

        var status = Assert.IsType<PathStatus>(Posix.LStat(SocketDirectoryFor(dataDirectory)));
        Assert.True(status.IsDirectory);
        Assert.Equal(OwnerOnly, status.Mode);
        Assert.Equal(ServerUid, status.Uid);
        Directory.Delete(SocketDirectoryFor(dataDirectory), recursive: true);
    }

    [Fact]
    public async Task A_symbolic_link_in_place_of_the_data_directory_is_refused()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(scratch.Path, "elsewhere")).FullName;
        File.CreateSymbolicLink(scratch.DataDirectory, elsewhere);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(scratch.DataDirectory));

        Assert.Contains("symbolic link", refused.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public async Task A_symbolic_link_planted_where_the_socket_directory_goes_is_refused()
    {
        var dataDirectory = LongDataDirectory();
        var elsewhere = Directory.CreateDirectory(Path.Combine(scratch.Path, "socket-target")).FullName;
        var socketDirectory = SocketDirectoryFor(dataDirectory);
        File.CreateSymbolicLink(socketDirectory, elsewhere);
        try
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(dataDirectory));

            Assert.Contains("symbolic link", refused.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        }
        finally
        {
            File.Delete(socketDirectory);
        }
    }

    [Fact]
    public async Task A_data_directory_opened_up_to_everyone_is_closed_again_at_the_next_start()
    {
        await (await StartAsync(scratch.DataDirectory)).DisposeAsync();
        Posix.SetMode(scratch.DataDirectory, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        await using var server = await StartAsync(scratch.DataDirectory);

        Assert.Equal(OwnerOnly, Posix.LStat(scratch.DataDirectory)!.Mode);
    }

    [Fact]
    public async Task A_data_directory_below_a_world_writable_directory_is_refused()
    {
        var open = Directory.CreateDirectory(Path.Combine(scratch.Path, "open")).FullName;
        Posix.SetMode(open, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(Path.Combine(open, "data")));

        Assert.Contains("written by anyone", refused.Message);
    }

    private static uint ServerUid => Posix.IsRoot ? Posix.FindAccount("postgres")!.Value.Uid : Posix.EffectiveUid;

    private string LongDataDirectory() => Path.Combine(scratch.Path, new string('d', 60), new string('e', 40), "data");

    /// <summary>Where the server puts its socket when the data directory's path is too long for one (see LocalPostgresServer).</summary>
    private static string SocketDirectoryFor(string dataDirectory) => Path.Combine(Path.GetTempPath(),
        "reelmetrics-pg-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..12]);

    private static Task<LocalPostgresServer> StartAsync(string dataDirectory) =>
        LocalPostgresServer.StartNewAsync(
            new LocalPostgresOptions { DataDirectory = dataDirectory, Password = "test-password", Durable = false },
            TestOutputLogger.ForCurrentTest(),
            Cancellation);
}
