namespace ReelMetrics.Api.Security;

/// <summary>
/// The roles the identity service assigns: one <c>role</c> claim per role in an access token. Each role can do what
/// the ones before it can.
/// </summary>
public static class Roles
{
    /// <summary>Reads dashboards and APIs.</summary>
    public const string Viewer = "viewer";

    /// <summary>Also dead letters and operational endpoints.</summary>
    public const string Operator = "operator";

    /// <summary>Also manages users.</summary>
    public const string Admin = "admin";

    /// <summary>Every role, lowest first.</summary>
    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Admin];

    /// <summary>The roles that satisfy a policy that requires <paramref name="role"/>: it and every role above it.</summary>
    public static IReadOnlyList<string> AtLeast(string role) => All.ToList().IndexOf(role) is var rank and >= 0
        ? [.. All.Skip(rank)]
        : throw new ArgumentOutOfRangeException(nameof(role), role, "Not a ReelMetrics role.");
}

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
