using System.Security.Cryptography;

namespace PicoTalk.Protocol.Session;

/// <summary>
/// SHA-256 digests of the KeyRequests that keyed one responder session (its first handshake and
/// every rekey), in a fixed ring. A KeyRequest stays validly signed forever, so without this an
/// attacker who recorded one could replay it from the peer's address while a genuine rekey is
/// pending, displace that pending state and leave the two sides on different keys (DESIGN.md
/// "Crypto rules": a recorded handshake replayed later must have no effect). The ring is bounded:
/// a request older than <see cref="Capacity"/> rekeys (2^31 packets each by default) is out of reach.
/// </summary>
internal sealed class RequestHistory
{
    public const int Capacity = 16;

    private const int DigestSize = SHA256.HashSizeInBytes;

    private readonly byte[] _digests = new byte[Capacity * DigestSize];
    private int _count;
    private int _next;

    public void Add(ReadOnlySpan<byte> request)
    {
        SHA256.HashData(request, _digests.AsSpan(_next * DigestSize, DigestSize));
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    public bool Contains(ReadOnlySpan<byte> request)
    {
        Span<byte> digest = stackalloc byte[DigestSize];
        SHA256.HashData(request, digest);
        for (int i = 0; i < _count; i++)
        {
            if (digest.SequenceEqual(_digests.AsSpan(i * DigestSize, DigestSize)))
            {
                return true;
            }
        }

        return false;
    }
}
