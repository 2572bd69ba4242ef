using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ReelMetrics.Tests.Identity;

/// <summary>The OpenID Connect provider as its clients see it: discovery, each flow, and the tokens the APIs accept.</summary>
public sealed class IdentityServerTests(IdentityWorld world) : IClassFixture<IdentityWorld>
{
    private const string AllScopes = "openid profile roles offline_access reelmetrics.api";

    private IdentityHost Host => world.Host;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DiscoveryNamesTheEndpointsFlowsAndScopesOfTheContract()
    {
        var discovery = await DiscoveryAsync();

        Assert.Equal("http://localhost/", discovery.GetProperty("issuer").GetString());
        Assert.Equal("http://localhost/connect/authorize", discovery.GetProperty("authorization_endpoint").GetString());
        Assert.Equal("http://localhost/connect/token", discovery.GetProperty("token_endpoint").GetString());
        Assert.Equal("http://localhost/connect/endsession", discovery.GetProperty("end_session_endpoint").GetString());
        Assert.Equal("http://localhost/connect/userinfo", discovery.GetProperty("userinfo_endpoint").GetString());
        Assert.Equivalent(new[] { "authorization_code", "refresh_token", "client_credentials", "password" },
            Strings(discovery, "grant_types_supported"));
        Assert.Equal(["S256"], Strings(discovery, "code_challenge_methods_supported").Where(m => m != "plain"));
        Assert.Subset(Strings(discovery, "scopes_supported").ToHashSet(), AllScopes.Split(' ').ToHashSet());
    }

    [Fact]
    public async Task AMachineClientGetsAViewerTokenForTheApiThatJwtBearerAccepts()
    {
        var (status, body) = await Host.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityHost.ReportsClient,
            ["client_secret"] = IdentityHost.ReportsSecret,
            ["scope"] = "reelmetrics.api",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var token = await ValidateAsync(body.GetProperty("access_token").GetString()!);
        Assert.Equal(["viewer"], token.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        Assert.Equal(["reelmetrics-api"], token.Audiences);
        Assert.Equal(IdentityHost.ReportsClient, token.GetClaim("client_id").Value);
        Assert.Equal(IdentityHost.ReportsClient, token.Subject);
        Assert.False(body.TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task AMachineClientWithTheWrongSecretIsRefused()
    {
        var (status, body) = await Host.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityHost.ReportsClient,
            ["client_secret"] = "not-the-secret",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task TheDemoViewerSignsInWithThePasswordGrantAsAViewerAndRefreshes()
    {
        var (status, body) = await Host.PasswordGrantAsync("viewer", IdentityHost.DemoPasswords["viewer"]);

        Assert.Equal(HttpStatusCode.OK, status);
        var token = await ValidateAsync(body.GetProperty("access_token").GetString()!);
        Assert.Equal(["viewer"], token.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        Assert.Equal("viewer", token.GetClaim("name").Value);
        Assert.Equal("reelmetrics-cli", token.GetClaim("client_id").Value);

        var (refreshed, renewed) = await Host.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = "reelmetrics-cli",
            ["refresh_token"] = body.GetProperty("refresh_token").GetString()!,
        });
        Assert.Equal(HttpStatusCode.OK, refreshed);
        Assert.Equal(["viewer"], (await ValidateAsync(renewed.GetProperty("access_token").GetString()!)).Claims
            .Where(c => c.Type == "role").Select(c => c.Value));
    }

    [Theory]
    [InlineData("operator")]
    [InlineData("admin")]
    public async Task EachDemoUserHasTheRoleOfItsName(string user)
    {
        var (status, body) = await Host.PasswordGrantAsync(user, IdentityHost.DemoPasswords[user]);

        Assert.Equal(HttpStatusCode.OK, status);
        var token = await ValidateAsync(body.GetProperty("access_token").GetString()!);
        Assert.Equal([user], token.Claims.Where(c => c.Type == "role").Select(c => c.Value));
    }

    [Fact]
    public async Task AWrongPasswordAndAnUnknownUserGetTheSameInvalidGrant()
    {
        var (wrongStatus, wrong) = await Host.PasswordGrantAsync("admin", "not-the-password");
        var (unknownStatus, unknown) = await Host.PasswordGrantAsync("nobody", "not-the-password");

        Assert.Equal(HttpStatusCode.BadRequest, wrongStatus);
        Assert.Equal(HttpStatusCode.BadRequest, unknownStatus);
        Assert.Equal("invalid_grant", wrong.GetProperty("error").GetString());
        Assert.Equal(wrong.GetRawText(), unknown.GetRawText());
    }

    [Fact]
    public async Task OnlyTheCommandLineClientMayUseThePasswordGrant()
    {
        var (status, body) = await Host.PasswordGrantAsync("viewer", IdentityHost.DemoPasswords["viewer"], clientId: "reelmetrics-dashboard");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unauthorized_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task TheDashboardSignsInWithCodeAndPkceThroughTheSignInPageAndRefreshes()
    {
        using var browser = Host.Browser();
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

        var code = await SignInThroughThePageAsync(browser, "operator", AuthorizeUrl(Challenge(verifier)));
        var (status, tokens) = await Host.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "reelmetrics-dashboard",
            ["code"] = code,
            ["redirect_uri"] = IdentityHost.DashboardRedirectUri,
            ["code_verifier"] = verifier,
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var access = await ValidateAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(["operator"], access.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        var identity = new JsonWebToken(tokens.GetProperty("id_token").GetString()!);
        Assert.Equal(["operator"], identity.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        Assert.Equal("operator", identity.GetClaim("name").Value);

        var (refreshed, renewed) = await Host.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = "reelmetrics-dashboard",
            ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
        });
        Assert.Equal(HttpStatusCode.OK, refreshed);
        await ValidateAsync(renewed.GetProperty("access_token").GetString()!);

        using var userInfo = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        userInfo.Headers.Authorization = new("Bearer", renewed.GetProperty("access_token").GetString());
        using var info = await browser.SendAsync(userInfo, Cancel);
        var claims = JsonDocument.Parse(await info.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Equal("operator", claims.GetProperty("name").GetString());
        Assert.Equal(["operator"], claims.GetProperty("role").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task ACodeCannotBeExchangedWithoutItsVerifier()
    {
        using var browser = Host.Browser();
        var code = await SignInThroughThePageAsync(browser, "viewer",
            AuthorizeUrl(Challenge(Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)))));

        var (status, body) = await Host.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "reelmetrics-dashboard",
            ["code"] = code,
            ["redirect_uri"] = IdentityHost.DashboardRedirectUri,
            ["code_verifier"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)),
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AnAuthorizationRequestWithoutPkceIsRejected()
    {
        using var browser = Host.Browser();

        using var response = await browser.GetAsync(AuthorizeUrl(challenge: null), Cancel);

        // Rejected before anyone signs in: no sign-in page, no code, no redirect.
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("invalid_request", body);
        Assert.Contains("code_challenge", body);
    }

    [Fact]
    public async Task AnUnknownRedirectUriIsRejectedWithoutRedirectingThere()
    {
        using var browser = Host.Browser();
        var url = AuthorizeUrl(Challenge("verifier-verifier-verifier-verifier-verifier"))
            .Replace(Uri.EscapeDataString(IdentityHost.DashboardRedirectUri), Uri.EscapeDataString("http://evil.test/signin-callback"), StringComparison.Ordinal);

        using var response = await browser.GetAsync(url, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("redirect_uri", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task TheSignInPageSaysTheSameForAnUnknownUserAndAWrongPasswordAndCarriesSecurityHeaders()
    {
        using var browser = Host.Browser();

        var unknown = await PostSignInAsync(browser, "nobody", "not-the-password", returnUrl: null);
        var wrong = await PostSignInAsync(browser, "viewer", "not-the-password", returnUrl: null);

        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        var unknownPage = await unknown.Content.ReadAsStringAsync(Cancel);
        var wrongPage = await wrong.Content.ReadAsStringAsync(Cancel);
        Assert.Contains(ReelMetrics.Identity.Account.AccountEndpoints.SignInFailed, unknownPage);
        Assert.Contains(ReelMetrics.Identity.Account.AccountEndpoints.SignInFailed, wrongPage);
        Assert.Contains("ReelMetrics", unknownPage);
        Assert.StartsWith("default-src 'none'", unknown.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", unknown.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", unknown.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", unknown.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task ASignInFormWithoutItsAntiforgeryTokenIsRefused()
    {
        using var browser = Host.Browser();

        using var response = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "viewer",
            ["password"] = IdentityHost.DemoPasswords["viewer"],
        }), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("reelmetrics.identity=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheDashboardMayCallTheTokenEndpointFromItsOrigin()
    {
        using var browser = Host.Browser();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/connect/token");
        preflight.Headers.Add("Origin", IdentityHost.DashboardOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var stranger = new HttpRequestMessage(HttpMethod.Options, "/connect/token");
        stranger.Headers.Add("Origin", "http://evil.test");
        stranger.Headers.Add("Access-Control-Request-Method", "POST");

        using var allowed = await browser.SendAsync(preflight, Cancel);
        using var refused = await browser.SendAsync(stranger, Cancel);

        Assert.Equal(IdentityHost.DashboardOrigin, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task<JsonElement> DiscoveryAsync() =>
        JsonDocument.Parse(await Host.Browser().GetStringAsync("/.well-known/openid-configuration", Cancel)).RootElement;

    /// <summary>Validates an access token as the APIs do: JwtBearer's validation parameters, keys from the JWKS.</summary>
    private async Task<JsonWebToken> ValidateAsync(string accessToken)
    {
        var discovery = await DiscoveryAsync();
        var keys = new JsonWebKeySet(await Host.Browser().GetStringAsync(discovery.GetProperty("jwks_uri").GetString(), Cancel));
        var parameters = new JwtBearerOptions().TokenValidationParameters.Clone();
        parameters.ValidIssuer = discovery.GetProperty("issuer").GetString();
        parameters.ValidAudiences = ["reelmetrics-api"];
        parameters.IssuerSigningKeys = keys.GetSigningKeys();

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(accessToken, parameters);

        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    private static string Challenge(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static string AuthorizeUrl(string? challenge)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = "reelmetrics-dashboard",
            ["redirect_uri"] = IdentityHost.DashboardRedirectUri,
            ["response_type"] = "code",
            ["scope"] = AllScopes,
            ["state"] = "state-1",
        };
        if (challenge is not null)
        {
            parameters["code_challenge"] = challenge;
            parameters["code_challenge_method"] = "S256";
        }
        return QueryHelpers.AddQueryString("/connect/authorize", parameters);
    }

    /// <summary>What a browser does: authorize, land on the sign-in page, post it, follow back, and read the code.</summary>
    private static async Task<string> SignInThroughThePageAsync(HttpClient browser, string user, string authorizeUrl)
    {
        using var authorize = await browser.GetAsync(authorizeUrl, Cancel);
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.Equal("/account/signin", authorize.Headers.Location!.AbsolutePath);

        using var page = await browser.GetAsync(authorize.Headers.Location, Cancel);
        var (_, returnUrl) = IdentityHost.FormFields(await page.Content.ReadAsStringAsync(Cancel));
        Assert.StartsWith("/connect/authorize?", returnUrl);

        using var signedIn = await PostSignInAsync(browser, user, IdentityHost.DemoPasswords[user], returnUrl, await page.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(returnUrl, signedIn.Headers.Location!.OriginalString);

        using var back = await browser.GetAsync(returnUrl, Cancel);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var callback = back.Headers.Location!;
        Assert.Equal(IdentityHost.DashboardRedirectUri, callback.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(callback.Query);
        Assert.Equal("state-1", query["state"]);
        return query["code"].ToString();
    }

    private static async Task<HttpResponseMessage> PostSignInAsync(HttpClient browser, string user, string password, string? returnUrl, string? pageHtml = null)
    {
        pageHtml ??= await browser.GetStringAsync("/account/signin", Cancel);
        var (token, _) = IdentityHost.FormFields(pageHtml);
        return await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = returnUrl ?? "",
            ["username"] = user,
            ["password"] = password,
        }), Cancel);
    }

    private static IEnumerable<string> Strings(JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(e => e.GetString()!);
}
