using Microsoft.AspNetCore.Identity;

namespace ReelMetrics.Identity.Account;

/// <summary>
/// Checks a user name and password for the sign-in page and the password grant alike: counts failures towards
/// lockout, and answers an unknown user name as slowly as a wrong password, so neither the answer nor its timing
/// says who exists.
/// </summary>
public sealed class Credentials(UserManager<IdentityUser> users, SignInManager<IdentityUser> signIns)
{
    private static readonly IdentityUser Decoy = new("decoy");
    private static string? decoyHash;

    /// <summary>The user, when the password is theirs and they may sign in (not locked out); otherwise null.</summary>
    public async Task<IdentityUser?> VerifyAsync(string? userName, string? password)
    {
        var user = string.IsNullOrWhiteSpace(userName) ? null : await users.FindByNameAsync(userName);
        if (user is null)
        {
            decoyHash ??= users.PasswordHasher.HashPassword(Decoy, Guid.NewGuid().ToString());
            users.PasswordHasher.VerifyHashedPassword(Decoy, decoyHash, password ?? "");
            return null;
        }

        var result = await signIns.CheckPasswordSignInAsync(user, password ?? "", lockoutOnFailure: true);
        return result.Succeeded ? user : null;
    }
}
