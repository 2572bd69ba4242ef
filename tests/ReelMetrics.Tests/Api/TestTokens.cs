using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ReelMetrics.Api.Security;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// Access tokens shaped like the identity service's (JWT, audience <c>reelmetrics-api</c>, claims <c>sub</c>,
/// <c>name</c>, <c>role</c>, <c>client_id</c>), signed with a test key that <see cref="ApiHost"/> configures through the
/// standard section <c>Authentication:Schemes:Bearer</c>, as <c>dotnet user-jwts</c> does.
/// </summary>
public static class TestTokens
{
    public const string Issuer = "https://identity.reelmetrics.test/";

    /// <summary>The roles a test can sign in as, and <see cref="NoRole"/>: a user the identity service knows but gave no role.</summary>
    public const string? NoRole = null;

    private static readonly byte[] Key = SHA256.HashData("ReelMetrics test signing key"u8);
    private static readonly byte[] OtherKey = SHA256.HashData("someone else's key"u8);

    /// <summary>The API settings that make it accept these tokens.</summary>
    public static IReadOnlyDictionary<string, string> ApiSettings { get; } = new Dictionary<string, string>
    {
        [$"{SecurityExtensions.BearerSection}:ValidIssuer"] = Issuer,
        [$"{SecurityExtensions.BearerSection}:ValidAudiences:0"] = SecurityExtensions.Audience,
        [$"{SecurityExtensions.BearerSection}:SigningKeys:0:Issuer"] = Issuer,
        [$"{SecurityExtensions.BearerSection}:SigningKeys:0:Value"] = Convert.ToBase64String(Key),
    };

    /// <summary>A valid token of the demo user named after <paramref name="role"/> (or of a user without a role).</summary>
    public static string ForRole(string? role) => Mint(new TokenRequest { Subject = role ?? "nobody", Roles = role is null ? [] : [role] });

    /// <summary>A valid token of a machine client (client credentials: no user, the client's role).</summary>
    public static string ForClient(string clientId, string role) => Mint(new TokenRequest { Subject = null, ClientId = clientId, Roles = [role] });

    /// <summary>A token as asked, signed with the test key (or another key when <see cref="TokenRequest.WrongKey"/>).</summary>
    public static string Mint(TokenRequest request)
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new List<Claim> { new("client_id", request.ClientId) };
        if (request.Subject is not null)
        {
            claims.Add(new Claim("sub", request.Subject));
            claims.Add(new Claim("name", request.Subject));
        }
        claims.AddRange(request.Roles.Select(role => new Claim("role", role)));
        // Valid from an hour ago: the APIs under test may run on a clock frozen some minutes back.
        var expires = request.Expires ?? now.AddHours(1);
        var issued = (request.Expires is { } given ? given.AddHours(-2) : now.AddHours(-1)).UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = request.Issuer,
            Audience = request.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expires.UtcDateTime,
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(request.WrongKey ? OtherKey : Key), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}

/// <summary>What a test token says; every default is what the APIs accept.</summary>
public sealed record TokenRequest
{
    public string? Subject { get; init; } = "viewer";
    public string ClientId { get; init; } = "reelmetrics-dashboard";
    public IReadOnlyList<string> Roles { get; init; } = [ReelMetrics.Contracts.Roles.Viewer];
    public string Issuer { get; init; } = TestTokens.Issuer;
    public string Audience { get; init; } = SecurityExtensions.Audience;
    public DateTimeOffset? Expires { get; init; }
    public bool WrongKey { get; init; }
}
