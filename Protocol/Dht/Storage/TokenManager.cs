using System.Security.Cryptography;
using PicoTalk.Protocol.Dht.Routing;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Storage;

/// <summary>
/// Write tokens for get_peers / announce_peer (BEP 5 "announce_peer"): a token proves the announcer
/// asked us from that IP address recently, so nobody can announce on behalf of another host.
/// </summary>
/// <remarks>
/// token = first 8 bytes of HMAC-SHA256(secret, 16-byte IP address); BEP 5 suggests "the SHA1 hash
/// of the IP address concatenated onto a secret", HMAC is the sound form of the same keyed hash. The
/// secret "changes every five minutes and tokens up to ten minutes old are accepted": we keep the
/// current and the previous secret, so a token lives 5 to 10 minutes. The port is not part of it
/// (BEP 5 binds the token to the IP; implied_port announces come from another port).
/// Not thread-safe: the DHT's event loop owns it.
/// </remarks>
public sealed class TokenManager
{
    /// <summary>Bytes in a token: our choice; BEP 5 leaves the token opaque, 64 bits are unguessable
    /// within a token's 10-minute life and keep get_peers responses small.</summary>
    public const int TokenSize = 8;

    /// <summary>BEP 5: the secret changes every five minutes.</summary>
    public static readonly TimeSpan RotationInterval = TimeSpan.FromMinutes(5);

    private const int SecretSize = 32;

    private readonly TimeProvider _time;
    private readonly byte[] _current = new byte[SecretSize];
    private readonly byte[] _previous = new byte[SecretSize];
    private readonly long _intervalTimestamp;
    private long _epochStart;

    public TokenManager(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _intervalTimestamp = (long)(RotationInterval.TotalSeconds * time.TimestampFrequency);
        RandomNumberGenerator.Fill(_current);
        RandomNumberGenerator.Fill(_previous);
        _epochStart = time.GetTimestamp();
    }

    /// <summary>Writes the token for <paramref name="requester"/>'s IP address; returns <see cref="TokenSize"/>.</summary>
    public int Issue(PeerEndpoint requester, Span<byte> destination)
    {
        if (destination.Length < TokenSize)
        {
            throw new ArgumentException($"a token needs {TokenSize} bytes", nameof(destination));
        }

        Rotate();
        Compute(_current, requester, destination);
        return TokenSize;
    }

    public byte[] Issue(PeerEndpoint requester)
    {
        var token = new byte[TokenSize];
        Issue(requester, token);
        return token;
    }

    /// <summary>True if <paramref name="token"/> was issued to this IP address under the current or previous secret.</summary>
    public bool Validate(PeerEndpoint requester, ReadOnlySpan<byte> token)
    {
        if (token.Length != TokenSize)
        {
            return false;
        }

        Rotate();
        Span<byte> expected = stackalloc byte[TokenSize];
        Compute(_current, requester, expected);
        // Both comparisons always run, in constant time, so timing tells nothing about the secret.
        bool current = CryptographicOperations.FixedTimeEquals(expected, token);
        Compute(_previous, requester, expected);
        bool previous = CryptographicOperations.FixedTimeEquals(expected, token);
        return current | previous;
    }

    private static void Compute(byte[] secret, PeerEndpoint requester, Span<byte> token)
    {
        Span<byte> address = stackalloc byte[IpAddressKey.AddressSize];
        IpAddressKey.Of(requester).WriteAddress(address);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, address, mac);
        mac[..TokenSize].CopyTo(token);
    }

    /// <summary>Rotates lazily, on epochs aligned to construction, so a token's life does not depend on traffic.</summary>
    private void Rotate()
    {
        long now = _time.GetTimestamp();
        long epochs = (now - _epochStart) / _intervalTimestamp;
        if (epochs <= 0)
        {
            return;
        }

        if (epochs == 1)
        {
            _current.CopyTo(_previous, 0);
        }
        else
        {
            // Two or more intervals passed: the old current secret is too old to honour as well.
            RandomNumberGenerator.Fill(_previous);
        }

        RandomNumberGenerator.Fill(_current);
        _epochStart += epochs * _intervalTimestamp;
    }
}
