namespace PicoTalk.TestSupport.Net;

/// <summary>
/// This machine cannot build a network lab (not root, no <c>ip netns</c>, no <c>nft</c>). Tests turn
/// it into a skip with <see cref="Exception.Message"/> as the reason; CI runs as root, so there it
/// must not happen.
/// </summary>
public sealed class NetworkLabUnsupportedException(string reason) : Exception(reason);
