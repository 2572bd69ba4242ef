using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace ReelMetrics.Api.Protection;

/// <summary>
/// Who a request counts against: the signed-in user (the token's <c>sub</c>) when there is one, else the client
/// address. The address is the TCP peer's: no forwarded-for header is trusted, since nothing in front of the APIs
/// is known to set it honestly.
/// </summary>
internal static class Caller
{
    /// <summary>The signed-in user's id, or null for an anonymous request.</summary>
    public static string? UserId(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true
            ? context.User.FindFirstValue("sub") ?? context.User.FindFirstValue(ClaimTypes.NameIdentifier)   // JwtBearer maps "sub" unless told not to
            : null;

    /// <summary>
    /// The client address as a partition: an IPv4 address as is, an IPv6 address by its /64 network (one host
    /// commonly holds a whole /64, so counting single IPv6 addresses would let it take as many shares as it likes).
    /// </summary>
    public static string Address(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return "local";   // the in-memory test server has no peer
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address)) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>The user, or the address of an anonymous request: one key per caller.</summary>
    public static string Key(HttpContext context) => UserId(context) is { } user ? "user:" + user : "address:" + Address(context);
}
