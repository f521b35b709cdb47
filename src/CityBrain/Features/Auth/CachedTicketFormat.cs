using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;

namespace CityBrain.Features.Auth;

/// <summary>
/// Remembers bearer tokens already decrypted. A checkpoint's scanner sends the same token with every scan; decrypting
/// it (data protection: a key derivation, AES and an HMAC) on each of twenty thousand scans a second costs more than
/// the scan itself. The handler still checks the ticket's expiry on every request; the cache only skips the
/// decryption, is bounded, and forgets everything when it fills.
/// </summary>
public sealed class CachedTicketFormat(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
{
    private const int Capacity = 100_000;
    private readonly ConcurrentDictionary<string, AuthenticationTicket> _tickets = new(StringComparer.Ordinal);

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (protectedText is null || purpose is not null)
        {
            return inner.Unprotect(protectedText, purpose);
        }
        if (_tickets.TryGetValue(protectedText, out var ticket))
        {
            return ticket;
        }
        ticket = inner.Unprotect(protectedText);
        if (ticket is not null)
        {
            if (_tickets.Count >= Capacity)
            {
                _tickets.Clear();
            }
            _tickets[protectedText] = ticket;
        }
        return ticket;
    }
}

internal sealed class CacheBearerTickets : IPostConfigureOptions<BearerTokenOptions>
{
    public void PostConfigure(string? name, BearerTokenOptions options)
    {
        if (options.BearerTokenProtector is not CachedTicketFormat)
        {
            options.BearerTokenProtector = new CachedTicketFormat(options.BearerTokenProtector);
        }
    }
}
