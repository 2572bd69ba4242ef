namespace ReelMetrics.Contracts;

/// <summary>
/// The roles the identity service assigns and the APIs enforce (declared once, here): one <c>role</c> claim per role in an access token. Each role can do what
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
