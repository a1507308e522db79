using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// Arithmetic in GF(p), p = 2^61 − 1 (a Mersenne prime): the field of the mix integrity tags. A
/// reduction is a shift and an add because 2^61 ≡ 1 (mod p). Every value handed out is in [0, p).
/// </summary>
public static class Gf61
{
    public const ulong P = (1UL << 61) - 1;

    /// <summary>Any 64-bit value, reduced into [0, p).</summary>
    public static ulong Reduce(ulong x)
    {
        x = (x & P) + (x >> 61);
        return x >= P ? x - P : x;
    }

    public static ulong Add(ulong a, ulong b) => Reduce(a + b); // both < 2^61: no overflow

    public static ulong Sub(ulong a, ulong b) => Reduce(a + P - b);

    /// <summary>a·b mod p for a, b in [0, p): the 122-bit product folded at bit 61.</summary>
    public static ulong Mul(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        ulong folded = (low & P) + ((high << 3) | (low >> 61)); // < 2^62
        return Reduce(folded);
    }

    /// <summary>A signed integer as a field element (−1 is p − 1).</summary>
    public static ulong FromInt(long value) => value >= 0 ? Reduce((ulong)value) : Sub(0, Reduce((ulong)(-value)));
}

/// <summary>
/// The integrity check of mixed wide audio (PICOTALK.md "Its gaps": the server can add any signal;
/// our members make it detectable). A linearly homomorphic MAC over GF(p), p = 2^61 − 1:
/// <code>
/// r_0..r_511 = XSalsa20(subkey "picotalk-mix-mac", nonce 0) read as u64 LE, each reduced mod p
/// sender:   tag = Σ r_i · s_i + m  (mod p)   s = its int16 plaintext, m = its one-time mask
/// listener: Σ r_i · S_i + Σ m_j == Σ tag_j   S = the exact plaintext sum, m_j from each sender's key stream
/// </code>
/// The server holds neither r nor any mask, so a mix it changes by δ ≠ 0 (samples) and Δ (tag)
/// passes only if Σ r_i·δ_i = Δ, which it hits with probability 1/p per try; the masks (fresh for
/// every frame, from the sender's audio key stream) keep the tags it sees from telling it anything
/// about r. The limit: r comes from the room password, so a holder of the password who colludes
/// with the server can forge; the check guards against the server, not against members.
/// </summary>
public sealed class MixMac
{
    public const int Size = sizeof(ulong);
    public const string SubkeyLabel = "picotalk-mix-mac";

    private const int Samples = AudioKeystream.SamplesPerFrame;
    private readonly ulong[] _r = new ulong[Samples];

    /// <param name="subkey">The 32-byte <c>DeriveSubkey("picotalk-mix-mac")</c> of the stretched password.</param>
    public MixMac(ReadOnlySpan<byte> subkey)
    {
        if (subkey.Length != AudioKeystream.KeySize)
        {
            throw new ArgumentException($"the MAC subkey is {AudioKeystream.KeySize} bytes", nameof(subkey));
        }

        // The subkey serves this one stream, so the all-zero nonce is used once per key.
        Span<byte> nonce = stackalloc byte[Sodium.NonceSize];
        nonce.Clear();
        var stream = new byte[Samples * Size];
        Sodium.XSalsa20Stream(nonce, subkey, stream);
        for (int i = 0; i < Samples; i++)
        {
            _r[i] = Gf61.Reduce(BinaryPrimitives.ReadUInt64LittleEndian(stream.AsSpan(i * Size)));
        }

        CryptographicOperations.ZeroMemory(stream);
    }

    /// <summary>Derives the key from the stretched room password.</summary>
    public static MixMac From(StretchedPassword password)
    {
        ArgumentNullException.ThrowIfNull(password);
        Span<byte> subkey = stackalloc byte[StretchedPassword.Size];
        password.DeriveSubkey(SubkeyLabel, subkey);
        var mac = new MixMac(subkey);
        subkey.Clear();
        return mac;
    }

    /// <summary>A sender's tag: Σ r_i·s_i + mask (mod p).</summary>
    public ulong Tag(ReadOnlySpan<short> samples, ulong mask)
    {
        RequireFrame(samples.Length);
        ulong sum = Gf61.Reduce(mask);
        for (int i = 0; i < Samples; i++)
        {
            sum = Gf61.Add(sum, Gf61.Mul(_r[i], Gf61.FromInt(samples[i])));
        }

        return sum;
    }

    /// <summary>True if the exact sum <paramref name="sum"/> with the senders' summed masks matches the mix's summed tag.</summary>
    public bool Verify(ReadOnlySpan<int> sum, ulong maskSum, ulong tagSum)
    {
        RequireFrame(sum.Length);
        ulong expected = Gf61.Reduce(maskSum);
        for (int i = 0; i < Samples; i++)
        {
            expected = Gf61.Add(expected, Gf61.Mul(_r[i], Gf61.FromInt(sum[i])));
        }

        return expected == tagSum;
    }

    private static void RequireFrame(int length)
    {
        if (length != Samples)
        {
            throw new ArgumentException($"a frame is {Samples} samples");
        }
    }
}
