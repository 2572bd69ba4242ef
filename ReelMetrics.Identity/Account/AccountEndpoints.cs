using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using ReelMetrics.Identity.Extensions;

namespace ReelMetrics.Identity.Account;

/// <summary>The sign-in page and sign-out, on ASP.NET Core Identity's cookie.</summary>
public static class AccountEndpoints
{
    public const string SignInPath = "/account/signin";
    public const string SignOutPath = "/account/signout";

    /// <summary>Said for every failed sign-in, whether the user is unknown, the password wrong or the account locked.</summary>
    public const string SignInFailed = "The user name or password is incorrect, or the account is locked for a while after too many attempts.";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(SignInPath, ShowSignInAsync).ExcludeFromDescription();
        app.MapPost(SignInPath, SignInAsync).RequireRateLimiting(SignInRateLimit.PolicyName).DisableAntiforgery().ExcludeFromDescription();
        app.MapPost(SignOutPath, SignOutAsync).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ShowSignInAsync(
        HttpContext context, IAntiforgery antiforgery, UserManager<IdentityUser> users, string? returnUrl)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        if (returnUrl is null && context.User.Identity?.IsAuthenticated == true && await users.GetUserAsync(context.User) is { } user)
        {
            return AccountPage.SignedIn(user.UserName ?? "", tokens.FormFieldName, tokens.RequestToken!);
        }

        return AccountPage.SignIn(tokens.FormFieldName, tokens.RequestToken!, LocalOrNull(returnUrl), userName: null, error: null);
    }

    // Antiforgery is checked here rather than by the middleware, so an expired form gets the page back, not a bare 400.
    private static async Task<IResult> SignInAsync(
        HttpContext context, IAntiforgery antiforgery, Credentials credentials, SignInManager<IdentityUser> signIns)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = LocalOrNull(form["returnUrl"]);
        var userName = form["username"].ToString();
        var valid = await antiforgery.IsRequestValidAsync(context);
        var tokens = antiforgery.GetAndStoreTokens(context);
        if (!valid)
        {
            return AccountPage.SignIn(tokens.FormFieldName, tokens.RequestToken!, returnUrl, userName,
                "The form expired. Please sign in again.", StatusCodes.Status400BadRequest);
        }

        var user = await credentials.VerifyAsync(userName, form["password"]);
        if (user is null)
        {
            return AccountPage.SignIn(tokens.FormFieldName, tokens.RequestToken!, returnUrl, userName, SignInFailed);
        }

        await signIns.SignInAsync(user, isPersistent: false);
        return Results.LocalRedirect(returnUrl ?? SignInPath);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery, SignInManager<IdentityUser> signIns)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired.");
        }

        await signIns.SignOutAsync();
        return Results.LocalRedirect(SignInPath);
    }

    /// <summary>Only a path on this site: an absolute or protocol-relative URL would make us an open redirector.</summary>
    private static string? LocalOrNull(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : null;
}
