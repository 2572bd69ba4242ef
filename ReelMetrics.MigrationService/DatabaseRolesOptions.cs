using System.ComponentModel.DataAnnotations;
using ReelMetrics.Contracts;
using ReelMetrics.Database.Roles;

namespace ReelMetrics.MigrationService;

/// <summary>
/// The logins the migration service creates before migrating, bound from section <c>DatabaseRoles</c>
/// (<c>DatabaseRoles:Consumer:Password</c>, …), and the superuser connection it creates them with
/// (<c>ConnectionStrings:postgres</c>). Without that connection string nothing is created: the migrations run with
/// whatever login <c>ConnectionStrings:reelmetrics</c> names.
/// </summary>
public sealed class DatabaseRolesOptions
{
    public const string Section = "DatabaseRoles";

    /// <summary>Name of the connection string of a superuser on the server (the AppHost passes the server's own).</summary>
    public const string SuperuserConnectionName = ConnectionNames.Postgres;

    public RoleOptions? Consumer { get; set; }

    public RoleOptions? Api { get; set; }

    public RoleOptions? Generator { get; set; }

    public RoleOptions? Identity { get; set; }

    /// <summary>The identity service's database, owned by <see cref="DatabaseRole.Identity"/>.</summary>
    [Required]
    public string IdentityDatabase { get; set; } = ConnectionNames.IdentityDatabase;

    /// <summary>The passwords of the service roles that are configured.</summary>
    public IEnumerable<KeyValuePair<DatabaseRole, string>> ServicePasswords()
    {
        foreach (var (role, options) in new[] { (DatabaseRole.Consumer, Consumer), (DatabaseRole.Api, Api), (DatabaseRole.Generator, Generator), (DatabaseRole.Identity, Identity) })
        {
            if (!string.IsNullOrEmpty(options?.Password))
            {
                yield return new(role, options.Password);
            }
        }
    }
}

public sealed class RoleOptions
{
    public string? Password { get; set; }
}
