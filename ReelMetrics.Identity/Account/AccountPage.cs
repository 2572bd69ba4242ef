using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;

namespace ReelMetrics.Identity.Account;

/// <summary>
/// The identity service's pages, drawn on the server in the dashboard's look (dark header, the ReelMetrics name and
/// mark, its colours and fonts). No script and no external style sheet: the one style block is allowed by its hash,
/// so the pages run under a content security policy that allows nothing else.
/// </summary>
public static class AccountPage
{
    private const string Style = """
        :root{--bg:#f3f5f9;--surface:#fff;--text:#0f172a;--muted:#475569;--border:#dfe4ec;--primary:#1d4ed8;
        --primary-strong:#1e40af;--header:#0f172a;--header-2:#1e293b;--header-text:#e2e8f0;--accent:#fbbf24;
        --danger:#b91c1c;--danger-soft:#fee2e2;--focus:#2563eb;--radius:10px;
        --shadow:0 1px 2px rgb(15 23 42/6%),0 1px 3px rgb(15 23 42/8%);
        font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans',sans-serif;
        font-size:16px;line-height:1.5;color:var(--text);background:var(--bg);color-scheme:light}
        *,*::before,*::after{box-sizing:border-box}
        body{margin:0;min-width:320px}
        :focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:4px}
        .app-header{background:linear-gradient(180deg,var(--header) 0%,var(--header-2) 100%);color:var(--header-text);border-bottom:1px solid #0b1220}
        .app-header__inner{max-width:1280px;margin:0 auto;padding:.75rem 1.5rem;display:flex;align-items:center}
        .brand{display:inline-flex;align-items:center;gap:.5rem;color:#fff;font-weight:700;font-size:1.25rem;letter-spacing:-.01em}
        .brand__mark{width:28px;height:28px;fill:none;stroke:var(--accent);stroke-width:1.8;stroke-linecap:round}
        main{max-width:26rem;margin:3rem auto;padding:0 1rem}
        .card{background:var(--surface);border:1px solid var(--border);border-radius:var(--radius);box-shadow:var(--shadow);padding:1.75rem}
        h1{font-size:1.375rem;margin:0 0 .25rem}
        .lead{color:var(--muted);margin:0 0 1.25rem}
        label{display:block;font-weight:600;margin:1rem 0 .35rem}
        input{width:100%;padding:.6rem .75rem;font:inherit;color:inherit;border:1px solid #94a3b8;border-radius:6px;background:#fff}
        button{margin-top:1.5rem;width:100%;padding:.65rem 1rem;font:inherit;font-weight:600;color:#fff;background:var(--primary);border:0;border-radius:6px;cursor:pointer}
        button:hover{background:var(--primary-strong)}
        .error{background:var(--danger-soft);color:var(--danger);border:1px solid #fca5a5;border-radius:6px;padding:.6rem .75rem;margin:0 0 .5rem}
        """;

    /// <summary>
    /// The policy every response of the identity service carries. A form posted to us ends in a redirect to a client
    /// (the authorization response), and browsers hold redirects after a form post to <c>form-action</c> too: the
    /// clients' origins are listed there.
    /// </summary>
    public static string ContentSecurityPolicy(IEnumerable<string> clientOrigins) =>
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)))}'; " +
        $"img-src 'self'; form-action {string.Join(' ', ["'self'", .. clientOrigins])}; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The sign-in form. <paramref name="error"/> never says whether the user exists.</summary>
    public static IResult SignIn(string antiforgeryField, string antiforgeryToken, string? returnUrl, string? userName, string? error, int statusCode = StatusCodes.Status200OK)
    {
        var html = HtmlEncoder.Default;
        var body = new StringBuilder();
        body.Append("""<h1>Sign in</h1><p class="lead">Use your ReelMetrics account.</p>""");
        if (error is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"""<p class="error" role="alert">{html.Encode(error)}</p>""");
        }
        body.Append(CultureInfo.InvariantCulture, $"""
            <form method="post" action="/account/signin">
            <input type="hidden" name="{html.Encode(antiforgeryField)}" value="{html.Encode(antiforgeryToken)}">
            <input type="hidden" name="returnUrl" value="{html.Encode(returnUrl ?? "")}">
            <label for="username">User name</label>
            <input id="username" name="username" autocomplete="username" required autofocus value="{html.Encode(userName ?? "")}">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            """);
        return Page("Sign in", body.ToString(), statusCode);
    }

    /// <summary>Shown when someone opens the sign-in page already signed in and with nowhere to go back to.</summary>
    public static IResult SignedIn(string userName, string antiforgeryField, string antiforgeryToken)
    {
        var html = HtmlEncoder.Default;
        return Page("Signed in", $"""
            <h1>Signed in</h1><p class="lead">You are signed in as <strong>{html.Encode(userName)}</strong>.</p>
            <form method="post" action="/account/signout">
            <input type="hidden" name="{html.Encode(antiforgeryField)}" value="{html.Encode(antiforgeryToken)}">
            <button type="submit">Sign out</button>
            </form>
            """, StatusCodes.Status200OK);
    }

    private static IResult Page(string title, string body, int statusCode) => Results.Content($"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{title} · ReelMetrics</title><style>{Style}</style></head>
        <body>
        <header class="app-header"><div class="app-header__inner"><span class="brand">
        <svg class="brand__mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><rect x="2" y="5" width="20" height="14" rx="2"/><path d="M6 5v14M18 5v14M2 9.5h4M2 14.5h4M18 9.5h4M18 14.5h4"/></svg>
        <span>ReelMetrics</span></span></div></header>
        <main><div class="card">{body}</div></main>
        </body>
        </html>
        """, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
}
