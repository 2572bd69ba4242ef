using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Identity;

/// <summary>One identity service on a fresh database, shared by a test class's tests that do not change its users.</summary>
public sealed class IdentityWorld(PostgresFixture postgres) : IAsyncLifetime
{
    public IdentityHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = new IdentityHost(await postgres.CreateDatabaseAsync("identity"));
        _ = Host.Server;   // starts it: schema and seeding happen here, once
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
