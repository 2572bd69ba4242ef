using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReelMetrics.Api.Security;

/// <summary>
/// Signs in a <c>GET /live?ticket=…</c> request as the user the ticket was issued to, and uses the ticket up. A ticket
/// sent together with another user's bearer token is refused (and used up too: it has leaked).
/// </summary>
internal sealed class LiveTicketHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, LiveTickets tickets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "LiveTicket";

    /// <summary>The query parameter that carries the ticket.</summary>
    public const string QueryName = "ticket";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = Request.Query[QueryName];
        if (values.Count != 1 || string.IsNullOrEmpty(values[0])) return AuthenticateResult.Fail("Send one live ticket.");
        var user = tickets.Redeem(values[0]!);
        if (user is null) return AuthenticateResult.Fail("The live ticket is unknown, used or expired.");
        if (Request.Headers.Authorization.Count > 0)
        {
            var bearer = await Context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
            if (!bearer.Succeeded || LiveTickets.Subject(bearer.Principal) != LiveTickets.Subject(user))
            {
                return AuthenticateResult.Fail("The live ticket was issued to another user.");
            }
        }
        var identity = new ClaimsIdentity(user.Claims, user.Identity?.IsAuthenticated == true ? Scheme.Name : null,
            SecurityExtensions.NameClaimType, SecurityExtensions.RoleClaimType);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The live ticket is unknown, used or expired: ask POST /live/tickets for a new one.\"";
        return Task.CompletedTask;
    }
}
