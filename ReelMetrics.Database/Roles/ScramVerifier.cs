using System.Security.Cryptography;
using System.Text;

namespace ReelMetrics.Database.Roles;

/// <summary>
/// The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, as in <c>pg_authid.rolpassword</c>).
/// Sending the verifier instead of the password means the password itself never reaches the server, its logs or
/// <c>pg_stat_activity</c>, and the stored form is SCRAM whatever the server's <c>password_encryption</c> says.
/// </summary>
public static class ScramVerifier
{
    /// <summary>PostgreSQL's default iteration count (<c>scram_iterations</c>).</summary>
    public const int Iterations = 4096;

    /// <summary>
    /// True when <paramref name="password"/> can be hashed here exactly as PostgreSQL would: printable ASCII, which
    /// SASLprep leaves unchanged. Other passwords are hashed by the server instead.
    /// </summary>
    public static bool CanHash(string password) => password.Length > 0 && password.All(c => c is >= ' ' and <= '~');

    /// <summary><c>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey</c>, base64 parts.</summary>
    public static string For(string password, byte[]? salt = null)
    {
        if (!CanHash(password))
        {
            throw new ArgumentException("Only printable ASCII passwords are hashed client-side.", nameof(password));
        }

        salt ??= RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var storedKey = SHA256.HashData(HMACSHA256.HashData(salted, "Client Key"u8));
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
