namespace PicoTalk.Ui.Web.Security;

/// <summary>
/// Refuses cross-site requests that change state (OWASP CSRF Cheat Sheet, "Verifying origin with
/// standard headers"): the request's <c>Origin</c> (RFC 6454 §7), or if it has none its
/// <c>Referer</c>'s origin, must be this page's own scheme://host:port. A request with neither
/// passes here (browsers send Origin on every cross-origin POST and WebSocket handshake; a client
/// that is not a browser still needs the session and its CSRF token).
/// </summary>
internal static class OriginCheck
{
    /// <param name="scheme">The request's scheme (http or https).</param>
    /// <param name="host">The request's Host header (host[:port]).</param>
    public static bool IsSameOrigin(string scheme, string host, string? origin, string? referer)
    {
        string? claimed = !string.IsNullOrEmpty(origin) ? origin : null;
        if (claimed is null && !string.IsNullOrEmpty(referer))
        {
            if (!Uri.TryCreate(referer, UriKind.Absolute, out var refererUri))
            {
                return false;
            }

            claimed = refererUri.GetLeftPart(UriPartial.Authority);
        }

        if (claimed is null)
        {
            return true;
        }

        // "null" (an opaque origin: a sandboxed frame, a file: page) is never ours.
        if (!Uri.TryCreate(claimed, UriKind.Absolute, out var claimedUri) || !Uri.TryCreate($"{scheme}://{host}", UriKind.Absolute, out var own))
        {
            return false;
        }

        return string.Equals(claimedUri.Scheme, own.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(claimedUri.IdnHost, own.IdnHost, StringComparison.OrdinalIgnoreCase)
            && claimedUri.Port == own.Port
            && claimedUri.AbsolutePath == "/";
    }
}
