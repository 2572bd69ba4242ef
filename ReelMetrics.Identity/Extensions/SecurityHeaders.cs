using ReelMetrics.Identity.Account;

namespace ReelMetrics.Identity.Extensions;

/// <summary>Headers that keep the identity service's pages from being framed, sniffed, cached or scripted.</summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, IdentitySettings settings)
    {
        var policy = AccountPage.ContentSecurityPolicy(settings.BrowserOrigins);
        return app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            return next(context);
        });
    }
}
