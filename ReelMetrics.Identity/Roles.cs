namespace ReelMetrics.Identity;

/// <summary>The roles a user or machine client acts in; each role includes what the ones before it may do.</summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Admin];

    /// <summary>The demo user of each role has the role's name as user name.</summary>
    public static IReadOnlyList<string> DemoUserNames => All;
}
