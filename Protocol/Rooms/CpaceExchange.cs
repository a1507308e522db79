using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// Our pairwise password exchange between two members of ours (RoomExtensions.Cpace; PICOTALK.md
/// "Its gaps"): CPace on ristretto255 with SHA-512 (draft-irtf-cfrg-cpace-21: the ristretto255 and
/// SHA-512 cipher suite of §5, group object of §8.3) in its initiator-responder setting, instead of PicoTalk's
/// SHA-512(password) generator (<see cref="PasswordExchange"/>).
/// </summary>
/// <remarks>
/// <code>
/// Binary payload, each way (one message each, §7.1):
///   | 0x01 | Y (32, ristretto255 encoding) |      33 bytes; PicoTalk's value is 32 bytes
/// </code>
/// Inputs (§4.1), our choices:
/// <list type="bullet">
/// <item>PRS: the "picotalk-cpace" subkey of the Argon2id-stretched password (<see cref="StretchedPassword"/>).</item>
/// <item>CI: "picotalk-room" (the room id is in sid already).</item>
/// <item>sid: room id (32 bytes, the hex of <see cref="RoomId"/> decoded) || initiator's peer id u16 BE ||
/// responder's peer id u16 BE. Both members know all three before the first message; a fresh
/// scalar per exchange keeps the key fresh when a room reuses ids.</item>
/// <item>ADa, ADb: empty.</item>
/// </list>
/// g = ristretto255 one-way map of SHA-512(generator_string(DSI, PRS, CI, sid)) (§8.1, §8.3);
/// Ya = ya·g, Yb = yb·g; K = scalar_mult_vfy(own scalar, their Y), abort on the identity or an
/// invalid encoding (§7.2, §8.3); ISK = SHA-512(lv_cat(DSI || "_ISK", sid, K) || transcript_ir(Ya, ADa,
/// Yb, ADb)) (§7.2, Appendix A.3.4). The channel key is ISK[0..32) (our choice, as PicoTalk takes
/// SHA-512(...)[0..32) for its key: the secretbox key is 32 bytes).
/// The peer ids sit in sid, not in CI (§10.1.1 would put authenticated identities in CI): the
/// server assigns them, so they bind the key to this pair in this room but prove no identity.
/// No key confirmation here: PicoTalk's <c>{"status":"ok"}</c> sealed under the key plays that part
/// (a wrong password makes it fail to open).
/// </remarks>
public sealed class CpaceExchange : IDisposable
{
    /// <summary>The first byte of our 33-byte exchange value: tells it from PicoTalk's 32-byte one.</summary>
    public const byte Marker = 0x01;

    public const int MessageSize = 1 + Sodium.RistrettoPointSize;
    public const int KeySize = 32;
    public const int PrsSize = StretchedPassword.Size;

    /// <summary>sid: room id (32) || initiator id (2) || responder id (2).</summary>
    public const int SessionIdSize = (RoomId.HexLength / 2) + 2 + 2;

    /// <summary>H.s_in_bytes of SHA-512 (§6.2): the input block size the generator string pads to.</summary>
    private const int Sha512BlockSize = 128;

    /// <summary>G.DSI of G_Ristretto255 (§8.3).</summary>
    public static ReadOnlySpan<byte> Dsi => "CPaceRistretto255"u8;

    /// <summary>G.DSI_ISK = DSI || "_ISK" (§7.2).</summary>
    public static ReadOnlySpan<byte> DsiIsk => "CPaceRistretto255_ISK"u8;

    /// <summary>Our channel identifier CI.</summary>
    public static ReadOnlySpan<byte> ChannelIdentifier => "picotalk-room"u8;

    private readonly byte[] _scalar = new byte[Sodium.RistrettoScalarSize];
    private readonly byte[] _message = new byte[MessageSize];
    private readonly byte[] _sid;
    private readonly ChannelRole _role;

    /// <summary>A fresh exchange for one peer: a random scalar on the generator of (PRS, CI, sid).</summary>
    public CpaceExchange(ReadOnlySpan<byte> prs, string roomId, ushort initiatorId, ushort responderId, ChannelRole ownRole)
        : this(prs, SessionId(roomId, initiatorId, responderId), ownRole, [])
    {
    }

    /// <summary>With a fixed scalar (little-endian, below the group order), for golden tests.</summary>
    internal CpaceExchange(ReadOnlySpan<byte> prs, ReadOnlySpan<byte> sid, ChannelRole ownRole, ReadOnlySpan<byte> scalar)
    {
        if (prs.Length != PrsSize)
        {
            throw new ArgumentException($"PRS is {PrsSize} bytes", nameof(prs));
        }

        if (ownRole is not (ChannelRole.Initiator or ChannelRole.Responder))
        {
            throw new ArgumentOutOfRangeException(nameof(ownRole));
        }

        _sid = sid.ToArray();
        _role = ownRole;
        if (scalar.IsEmpty)
        {
            // §8.3: uniform between 1 and order - 1 (crypto_core_ristretto255_scalar_random).
            Sodium.RistrettoRandomScalar(_scalar);
        }
        else
        {
            scalar.CopyTo(_scalar);
        }

        Span<byte> generator = stackalloc byte[Sodium.RistrettoPointSize];
        CalculateGenerator(prs, ChannelIdentifier, _sid, generator);
        _message[0] = Marker;
        // Fails only for a zero scalar (the random one never is): g from the one-way map is never
        // the identity in practice (a 2^-252 chance per sid).
        if (!Sodium.TryRistrettoScalarMult(_scalar, generator, _message.AsSpan(1)))
        {
            throw new ArgumentException("the scalar times the generator is the identity", nameof(scalar));
        }
    }

    /// <summary>The Binary(33) payload to send the peer: 0x01 || our Y.</summary>
    public ReadOnlySpan<byte> Message => _message;

    /// <summary>True if a peer's Binary payload is a CPace value (33 bytes, first 0x01), not PicoTalk's 32-byte one.</summary>
    public static bool IsMessage(ReadOnlySpan<byte> payload) => payload.Length == MessageSize && payload[0] == Marker;

    /// <summary>sid = room id (64 hex digits decoded) || initiator id u16 BE || responder id u16 BE.</summary>
    public static byte[] SessionId(string roomId, ushort initiatorId, ushort responderId)
    {
        if (!RoomId.IsWellFormed(roomId))
        {
            throw new ArgumentException("the room id is 64 lower-case hex digits", nameof(roomId));
        }

        var sid = new byte[SessionIdSize];
        Convert.FromHexString(roomId).CopyTo(sid, 0);
        BinaryPrimitives.WriteUInt16BigEndian(sid.AsSpan(SessionIdSize - 4), initiatorId);
        BinaryPrimitives.WriteUInt16BigEndian(sid.AsSpan(SessionIdSize - 2), responderId);
        return sid;
    }

    /// <summary>
    /// The channel key from the peer's message: ISK[0..32). False (key cleared) if the message is
    /// not 0x01 || a valid ristretto255 encoding, or K is the identity (§7.2: abort).
    /// </summary>
    public bool TryDeriveKey(ReadOnlySpan<byte> theirMessage, Span<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"the key is {KeySize} bytes", nameof(key));
        }

        key.Clear();
        if (!IsMessage(theirMessage))
        {
            return false;
        }

        ReadOnlySpan<byte> theirs = theirMessage[1..];
        ReadOnlySpan<byte> ours = _message.AsSpan(1);
        Span<byte> k = stackalloc byte[Sodium.RistrettoPointSize];
        Span<byte> isk = stackalloc byte[Sodium.Sha512Size];
        try
        {
            if (!Sodium.TryRistrettoScalarMult(_scalar, theirs, k))
            {
                return false;
            }

            // transcript_ir always lists A's (the initiator's) value first.
            bool initiator = _role == ChannelRole.Initiator;
            IntermediateSessionKey(DsiIsk, _sid, k, initiator ? ours : theirs, [], initiator ? theirs : ours, [], isk);
            isk[..KeySize].CopyTo(key);
            return true;
        }
        finally
        {
            k.Clear();
            isk.Clear();
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_scalar);

    /// <summary>calculate_generator (§8.1, §8.3): g = one_way_map(SHA-512(generator_string(DSI, PRS, CI, sid, 128))).</summary>
    public static void CalculateGenerator(ReadOnlySpan<byte> prs, ReadOnlySpan<byte> ci, ReadOnlySpan<byte> sid, Span<byte> generator)
    {
        // The generator string holds the PRS: hashed, then wiped.
        byte[] generatorString = GeneratorString(Dsi, prs, ci, sid);
        Span<byte> hash = stackalloc byte[Sodium.Sha512Size];
        Sodium.Sha512(generatorString, hash);
        Sodium.RistrettoFromHash(hash, generator);
        CryptographicOperations.ZeroMemory(generatorString);
        hash.Clear();
    }

    /// <summary>
    /// generator_string (Appendix A.2): lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid) with
    /// len_zpad = max(0, s_in_bytes - 1 - len(prepend_len(PRS)) - len(prepend_len(DSI))), so that
    /// DSI and PRS fill the first hash block (the PRS is then hashed in a block of its own).
    /// </summary>
    internal static byte[] GeneratorString(ReadOnlySpan<byte> dsi, ReadOnlySpan<byte> prs, ReadOnlySpan<byte> ci, ReadOnlySpan<byte> sid)
    {
        int zeroPad = Math.Max(0, Sha512BlockSize - 1 - PrependedLength(prs.Length) - PrependedLength(dsi.Length));
        // Sized up front so that the list never reallocates and leaves a copy of the PRS behind.
        var output = new List<byte>(PrependedLength(dsi.Length) + PrependedLength(prs.Length) + PrependedLength(zeroPad)
            + PrependedLength(ci.Length) + PrependedLength(sid.Length));
        AppendPrependLen(output, dsi);
        AppendPrependLen(output, prs);
        AppendPrependLen(output, new byte[zeroPad]);
        AppendPrependLen(output, ci);
        AppendPrependLen(output, sid);
        byte[] result = [.. output];
        CryptographicOperations.ZeroMemory(CollectionsMarshal.AsSpan(output));
        return result;
    }

    /// <summary>transcript_ir (Appendix A.3.4): lv_cat(Ya, ADa) || lv_cat(Yb, ADb).</summary>
    internal static byte[] TranscriptIr(ReadOnlySpan<byte> ya, ReadOnlySpan<byte> adA, ReadOnlySpan<byte> yb, ReadOnlySpan<byte> adB)
    {
        var output = new List<byte>();
        AppendPrependLen(output, ya);
        AppendPrependLen(output, adA);
        AppendPrependLen(output, yb);
        AppendPrependLen(output, adB);
        return [.. output];
    }

    /// <summary>ISK = H.hash(lv_cat(DSI_ISK, sid, K) || transcript_ir(Ya, ADa, Yb, ADb)), all 64 bytes (§7.2).</summary>
    internal static void IntermediateSessionKey(ReadOnlySpan<byte> dsiIsk, ReadOnlySpan<byte> sid, ReadOnlySpan<byte> k,
        ReadOnlySpan<byte> ya, ReadOnlySpan<byte> adA, ReadOnlySpan<byte> yb, ReadOnlySpan<byte> adB, Span<byte> isk)
    {
        var input = new List<byte>(PrependedLength(dsiIsk.Length) + PrependedLength(sid.Length) + PrependedLength(k.Length)
            + PrependedLength(ya.Length) + PrependedLength(adA.Length) + PrependedLength(yb.Length) + PrependedLength(adB.Length));
        AppendPrependLen(input, dsiIsk);
        AppendPrependLen(input, sid);
        AppendPrependLen(input, k);
        input.AddRange(TranscriptIr(ya, adA, yb, adB));
        byte[] bytes = [.. input];
        Sodium.Sha512(bytes, isk);
        CryptographicOperations.ZeroMemory(bytes);
        CryptographicOperations.ZeroMemory(CollectionsMarshal.AsSpan(input));
    }

    /// <summary>prepend_len (Appendix A.1.1): the length as unsigned LEB128, then the data; lv_cat is a row of these.</summary>
    internal static void AppendPrependLen(List<byte> output, ReadOnlySpan<byte> data)
    {
        int length = data.Length;
        do
        {
            byte low = (byte)(length & 0x7f);
            length >>= 7;
            output.Add(length == 0 ? low : (byte)(low | 0x80));
        }
        while (length != 0);
        output.AddRange(data);
    }

    /// <summary>len(prepend_len(data)) for data of <paramref name="length"/> bytes: its LEB128 prefix plus the data.</summary>
    private static int PrependedLength(int length)
    {
        int prefix = 1;
        for (int rest = length >> 7; rest != 0; rest >>= 7)
        {
            prefix++;
        }

        return prefix + length;
    }
}
