namespace PicoTalk.Protocol.Control;

/// <summary>Limits of the control protocol (our choices; DESIGN.md "Control socket" sets none).</summary>
public static class ControlLimits
{
    /// <summary>
    /// Longest request line, newline excluded. Every request fits in a few hundred bytes; the cap
    /// keeps a client that never sends a newline from growing the daemon's memory.
    /// </summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>Deepest JSON nesting accepted in a request (requests are two levels deep).</summary>
    public const int MaxJsonDepth = 16;

    /// <summary>The id a reply carries when the request's own id could not be read.</summary>
    public const long UnknownId = 0;
}
