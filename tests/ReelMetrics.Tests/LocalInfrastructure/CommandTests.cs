using System.Diagnostics;
using Npgsql;
using ReelMetrics.LocalInfrastructure;
using StackExchange.Redis;

namespace ReelMetrics.Tests.LocalInfrastructure;

/// <summary>The <c>postgres</c> and <c>redis</c> subcommands, run as real processes the way the AppHost runs them.</summary>
public sealed class CommandTests : IDisposable
{
    private readonly ScratchDirectory scratch = new();
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task Postgres_command_serves_until_SIGTERM_then_exits_cleanly()
    {
        var port = FreePort.Next();
        using var command = StartCommand(["postgres", "--port", $"{port}", "--data-dir", scratch.DataDirectory, "--database", "reelmetrics"],
            ("POSTGRES_PASSWORD", "from-environment"));
        await command.WaitForLineAsync("Ready:");

        var connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Password=from-environment;Database=reelmetrics;Pooling=false";
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(Cancellation);
        }

        Assert.Equal(0, await command.TerminateAsync());
        Assert.False(File.Exists(Path.Combine(scratch.DataDirectory, "postmaster.pid")), "a clean shutdown removes the pid file");
        Assert.DoesNotContain("from-environment", command.Output);
    }

    [Fact]
    public async Task Postgres_command_without_binaries_says_what_to_install_and_exits_3()
    {
        using var command = StartCommand(["postgres", "--bin-dir", Path.Combine(scratch.Path, "none"), "--data-dir", scratch.DataDirectory]);

        Assert.Equal(3, await command.WaitForExitAsync());
        Assert.Contains("apt-get install postgresql", command.Output);
    }

    [Fact]
    public async Task Redis_command_serves_until_SIGTERM_then_exits_cleanly()
    {
        var port = FreePort.Next();
        using var command = StartCommand(["redis", "--port", $"{port}", "--memory", "256m", "--index", "16m"], ("REDIS_PASSWORD", "pw"));
        await command.WaitForLineAsync("Ready:");

        await using (var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},password=pw"))
        {
            Assert.True(await redis.GetDatabase().StringSetAsync("k", "v"));
        }

        Assert.Equal(0, await command.TerminateAsync());
    }

    [Fact]
    public async Task Unknown_options_exit_2()
    {
        using var command = StartCommand(["redis", "--prot", "1"]);

        Assert.Equal(2, await command.WaitForExitAsync());
        Assert.Contains("Unrecognized command or argument '--prot'", command.Output);
        Assert.Contains("Usage:", command.Output);
    }

    private static RunningCommand StartCommand(string[] arguments, params (string Name, string Value)[] environment)
    {
        var assembly = LocalInfrastructureCommand.Assembly();
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet, [assembly, .. arguments])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new RunningCommand(Process.Start(info)!);
    }

    private sealed class RunningCommand : IDisposable
    {
        private readonly Process process;
        private readonly List<string> lines = [];
        private readonly ITestOutputHelper? output = TestContext.Current.TestOutputHelper;
        private (string Text, TaskCompletionSource Seen)? awaited;

        public RunningCommand(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (lines)
                {
                    return string.Join('\n', lines);
                }
            }
        }

        public async Task WaitForLineAsync(string text)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (lines)
            {
                if (lines.Any(line => line.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                awaited = (text, seen);
            }

            var first = await Task.WhenAny(seen.Task, process.WaitForExitAsync(Cancellation)).WaitAsync(TimeSpan.FromSeconds(90), Cancellation);
            Assert.True(first == seen.Task, $"the command exited before printing '{text}':\n{Output}");
        }

        /// <summary>Sends SIGTERM and returns the exit code; the command must be gone within 10 seconds.</summary>
        public async Task<int> TerminateAsync()
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", $"{process.Id}"]) { UseShellExecute = false })!)
            {
                await kill.WaitForExitAsync(Cancellation);
                Assert.Equal(0, kill.ExitCode);
            }

            await process.WaitForExitAsync(Cancellation).WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
            return process.ExitCode;
        }

        public async Task<int> WaitForExitAsync()
        {
            await process.WaitForExitAsync(Cancellation).WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

        private void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            try
            {
                output?.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished.
            }

            lock (lines)
            {
                lines.Add(line);
                if (awaited is { } wanted && line.Contains(wanted.Text, StringComparison.Ordinal))
                {
                    wanted.Seen.TrySetResult();
                }
            }
        }
    }
}
