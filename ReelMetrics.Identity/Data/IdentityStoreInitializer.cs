using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenIddict.Abstractions;
using ReelMetrics.Contracts;
using ReelMetrics.Identity.Clients;

namespace ReelMetrics.Identity.Data;

/// <summary>
/// Before the service accepts requests: creates the schema if the database has none, then brings roles, demo users and
/// clients in line with the settings. Runs under a PostgreSQL advisory lock, so two instances starting together take
/// turns, and everything it does is idempotent, so a restart changes only what the settings changed.
/// </summary>
/// <remarks>
/// The schema is created with <c>EnsureCreated</c>, not migrations: it is ASP.NET Core Identity's and OpenIddict's
/// stock schema and nothing else, and it has no history to carry yet. When it does change, add migrations.
/// </remarks>
public sealed class IdentityStoreInitializer(
    IServiceProvider services, IOptions<IdentitySettings> settings, ILogger<IdentityStoreInitializer> logger) : IHostedService
{
    /// <summary>Any fixed number: the advisory lock only serializes identity services sharing one database.</summary>
    private const long LockKey = 0x5265_656C_4964;   // "ReelId"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IdentityStore>();
        var creator = store.GetService<IRelationalDatabaseCreator>();

        await using var connection = new NpgsqlConnection(store.Database.GetConnectionString());
        await connection.OpenAsync(cancellationToken);
        await LockAsync(connection, "select pg_advisory_lock($1)", cancellationToken);
        try
        {
            if (!await creator.HasTablesAsync(cancellationToken))
            {
                await creator.CreateTablesAsync(cancellationToken);
                logger.LogInformation("Created the identity schema");
            }

            await SeedRolesAsync(scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>());
            await SeedDemoUsersAsync(scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>());
            await SeedClientsAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), cancellationToken);
        }
        finally
        {
            // Unlock explicitly: a pooled connection keeps its session, and its locks, after it is closed.
            // (Should this process die instead, the server ends the session and the lock with it.)
            await LockAsync(connection, "select pg_advisory_unlock($1)", CancellationToken.None);
        }
    }

    private static async Task LockAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // No timeout: another instance may hold the lock for as long as its start takes.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0, Parameters = { new() { Value = LockKey } } };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task SeedRolesAsync(RoleManager<IdentityRole> roles)
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }
    }

    private async Task SeedDemoUsersAsync(UserManager<IdentityUser> users)
    {
        foreach (var name in Roles.All /* the demo user of each role has the role's name */)
        {
            var password = settings.Value.DemoUsers.GetValueOrDefault(name)?.Password;
            if (string.IsNullOrEmpty(password))
            {
                continue;   // no configured password, no user: nobody gets in with a default
            }

            var user = await users.FindByNameAsync(name);
            if (user is null)
            {
                user = new IdentityUser(name);
                Check(await users.CreateAsync(user, password), $"create demo user {name}");
                logger.LogInformation("Created demo user {User}", name);
            }
            else if (!await users.CheckPasswordAsync(user, password))
            {
                Check(await users.RemovePasswordAsync(user), $"reset the password of {name}");
                Check(await users.AddPasswordAsync(user, password), $"reset the password of {name}");
                await users.ResetAccessFailedCountAsync(user);
                await users.SetLockoutEndDateAsync(user, null);
                logger.LogInformation("Reset the password of demo user {User} to the configured one", name);
            }

            // The demo user of a role has that role only.
            var current = await users.GetRolesAsync(user);
            Check(await users.RemoveFromRolesAsync(user, current.Where(role => role != name)), $"set the roles of {name}");
            if (!current.Contains(name))
            {
                Check(await users.AddToRoleAsync(user, name), $"set the roles of {name}");
            }
        }
    }

    private async Task SeedClientsAsync(IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        foreach (var descriptor in ClientCatalog.From(settings.Value))
        {
            var application = await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken);
            if (application is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
            }
            else
            {
                // Redirect URIs, permissions and secrets follow the settings on every start.
                await applications.UpdateAsync(application, descriptor, cancellationToken);
            }
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not {what}: {string.Join("; ", result.Errors.Select(error => error.Description))}");
        }
    }
}
