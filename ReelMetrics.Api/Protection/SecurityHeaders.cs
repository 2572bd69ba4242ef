using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Scalar.AspNetCore;

namespace ReelMetrics.Api.Protection;

/// <summary>
/// Headers that tell a browser to treat every answer as data of this origin only (OWASP API8, security
/// misconfiguration): no framing, no MIME sniffing, no referrer, no cross-origin embedding, and a Content Security
/// Policy that allows nothing for JSON. The API reference page (<c>/scalar</c>) gets the policy its page needs:
/// its own scripts (the inline start-up script by a per-request nonce), inline styles, and requests to this API and
/// to the identity service (for a token). Set when the answer starts, so errors and 429s carry them too.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next, IConfiguration configuration)
{
    private const string DataPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The identity service's origin (<c>Authentication:Schemes:Bearer:Authority</c>), where Scalar gets tokens.</summary>
    private readonly string identityOrigin =
        Uri.TryCreate(configuration["Authentication:Schemes:Bearer:Authority"], UriKind.Absolute, out var authority)
            ? " " + authority.GetLeftPart(UriPartial.Authority)
            : "";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = IsApiReference(context.Request) ? ApiReferencePolicy(context) : DataPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        return next(context);
    }

    private static bool IsApiReference(HttpRequest request) => request.Path.StartsWithSegments("/scalar", StringComparison.OrdinalIgnoreCase);

    private string ApiReferencePolicy(HttpContext context)
    {
        var nonce = context.Items[ScalarOptions.NonceHttpContextItemKey] is string value ? $" 'nonce-{value}'" : "";
        return $"default-src 'none'; script-src 'self'{nonce}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            $"font-src 'self' data:; connect-src 'self'{identityOrigin}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    }
}
