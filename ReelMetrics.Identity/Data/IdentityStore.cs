using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using ReelMetrics.Contracts;

namespace ReelMetrics.Identity.Data;

/// <summary>
/// The identity database (connection <c>identitydb</c>): ASP.NET Core Identity's users and roles, and OpenIddict's
/// applications, authorizations and tokens.
/// </summary>
public sealed class IdentityStore(DbContextOptions<IdentityStore> options) : IdentityDbContext<IdentityUser>(options)
{
    public const string ConnectionName = ConnectionNames.IdentityDatabase;
}
