using ReelMetrics.Contracts;

namespace ReelMetrics.Api.Security;

/// <summary>
/// The authorization policies of both APIs, one per role. Every route needs <see cref="Viewer"/> unless it names
/// another (it is the fallback policy, so a new route is protected without anyone remembering to).
/// </summary>
public static class Policies
{
    /// <summary>A viewer, an operator or an admin (anyone, when <c>Api:AllowAnonymousReads</c> is on).</summary>
    public const string Viewer = "Viewer";

    /// <summary>An operator or an admin.</summary>
    public const string Operator = "Operator";

    /// <summary>An admin.</summary>
    public const string Admin = "Admin";

    /// <summary>The role each policy requires at least.</summary>
    public static IReadOnlyDictionary<string, string> MinimumRole { get; } = new Dictionary<string, string>
    {
        [Viewer] = Roles.Viewer,
        [Operator] = Roles.Operator,
        [Admin] = Roles.Admin,
    };
}
