using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>
/// <see cref="CpaceExchange"/>: the draft's own ristretto255 test vectors (draft-irtf-cfrg-cpace-21
/// Appendix B.3), then our parameters (stretched password, CI "picotalk-room", sid of room and peer
/// ids) against values computed independently in C with libsodium 1.0.18 (crypto_pwhash Argon2id13
/// ops 1 / 8 KiB, crypto_hash_sha512, crypto_core_ristretto255_from_hash,
/// crypto_scalarmult_ristretto255, lv_cat written out by hand); only the hex is kept here.
/// </summary>
public sealed class CpaceExchangeTests
{
    private const ushort Initiator = 2;
    private const ushort Responder = 3;

    // Scalars of the C computation: 0x11 x31, 0x01 and 0x22 x31, 0x02 (little-endian, below the group order).
    private static readonly byte[] ScalarA = [.. Enumerable.Repeat((byte)0x11, 31), 0x01];
    private static readonly byte[] ScalarB = [.. Enumerable.Repeat((byte)0x22, 31), 0x02];
    private static readonly PasswordStretchLimits Cheap = new(1, 8192);

    [Fact]
    public void Draft_B3_generator_messages_and_ISK_match()
    {
        // B.3.1: PRS "Password", CI = lv_cat("A_initiator", "B_responder"), sid of 16 bytes.
        byte[] prs = "Password"u8.ToArray();
        byte[] ci = Convert.FromHexString("0b415f696e69746961746f720b425f726573706f6e646572");
        byte[] sid = Convert.FromHexString("7e4b4791d6a8ef019b936c79fb7f2c57");
        Assert.Equal(
            "11435061636552697374726574746f3235350850617373776f726464" + new string('0', 200) + "180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57",
            Convert.ToHexStringLower(CpaceExchange.GeneratorString(CpaceExchange.Dsi, prs, ci, sid)));
        var g = new byte[32];
        CpaceExchange.CalculateGenerator(prs, ci, sid, g);
        Assert.Equal("222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56", Convert.ToHexStringLower(g));

        // B.3.2 to B.3.4.
        byte[] ya = Convert.FromHexString("da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08");
        byte[] yb = Convert.FromHexString("d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d");
        var bigYa = new byte[32];
        var bigYb = new byte[32];
        var k = new byte[32];
        Assert.True(Sodium.TryRistrettoScalarMult(ya, g, bigYa));
        Assert.True(Sodium.TryRistrettoScalarMult(yb, g, bigYb));
        Assert.Equal("d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157", Convert.ToHexStringLower(bigYa));
        Assert.Equal("3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258", Convert.ToHexStringLower(bigYb));
        Assert.True(Sodium.TryRistrettoScalarMult(ya, bigYb, k));
        Assert.Equal("80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f", Convert.ToHexStringLower(k));

        // B.3.5: transcript_ir and ISK with ADa "ADa", ADb "ADb".
        Assert.Equal(
            "20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b915703414461203ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f725803414462",
            Convert.ToHexStringLower(CpaceExchange.TranscriptIr(bigYa, "ADa"u8, bigYb, "ADb"u8)));
        var isk = new byte[64];
        CpaceExchange.IntermediateSessionKey(CpaceExchange.DsiIsk, sid, k, bigYa, "ADa"u8, bigYb, "ADb"u8, isk);
        Assert.Equal(
            "b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447",
            Convert.ToHexStringLower(isk));
    }

    [Fact]
    public void Prepend_len_is_LEB128()
    {
        // Appendix A.1.2: 127 bytes take one length byte, 128 take two (0x80 0x01).
        var output = new List<byte>();
        CpaceExchange.AppendPrependLen(output, new byte[127]);
        Assert.Equal(0x7f, output[0]);
        Assert.Equal(128, output.Count);
        output.Clear();
        CpaceExchange.AppendPrependLen(output, new byte[128]);
        Assert.Equal([0x80, 0x01], output.Take(2));
        Assert.Equal(130, output.Count);
        output.Clear();
        CpaceExchange.AppendPrependLen(output, []);
        Assert.Equal([0x00], output);
    }

    [Fact]
    public void Our_parameters_match_libsodium_computed_from_C()
    {
        string room = RoomId.FromName("lobby");
        Assert.Equal("fec7258772b4c5c9ee70c7d58e5b7aec2688416866548c74a193775012328fd3", room);
        byte[] prs = Prs("correct horse", room);
        Assert.Equal("a988edf7a8cf80b1e864b80e02f62515836ebb1698130d45386511e03f5e81db", Convert.ToHexStringLower(prs));
        byte[] sid = CpaceExchange.SessionId(room, Initiator, Responder);
        Assert.Equal(room + "00020003", Convert.ToHexStringLower(sid));

        var g = new byte[32];
        CpaceExchange.CalculateGenerator(prs, CpaceExchange.ChannelIdentifier, sid, g);
        Assert.Equal("444440c23764fa2fd6d01dfadcf752387f5b64211f6d4d5d36818f53733a4943", Convert.ToHexStringLower(g));

        using var a = new CpaceExchange(prs, sid, ChannelRole.Initiator, ScalarA);
        using var b = new CpaceExchange(prs, sid, ChannelRole.Responder, ScalarB);
        Assert.Equal("01f8347b1f6759b597f420f4942a5e63caa7cd031f299122d823da3828b97ca728", Convert.ToHexStringLower(a.Message));
        Assert.Equal("0124a8e78aaef722163413492fa0199c30b9157f7475cf574e49d1a87c72a4584c", Convert.ToHexStringLower(b.Message));
        var keyA = new byte[32];
        var keyB = new byte[32];
        Assert.True(a.TryDeriveKey(b.Message, keyA));
        Assert.True(b.TryDeriveKey(a.Message, keyB));
        Assert.Equal("aa45686f2aef9980720231e345c1f102dc0131c8edd8b4db91159e68ee69e0c9", Convert.ToHexStringLower(keyA));
        Assert.Equal(keyA, keyB);
    }

    [Fact]
    public void Random_exchanges_agree_and_differ_each_time()
    {
        string room = RoomId.FromName("lobby");
        byte[] prs = Prs("pw", room);
        var (first, firstOther) = Run(prs, prs, room, Initiator, Responder);
        var (second, _) = Run(prs, prs, room, Initiator, Responder);
        Assert.Equal(first, firstOther);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Another_password_room_or_pair_gives_another_key()
    {
        string room = RoomId.FromName("lobby");
        byte[] prs = Prs("correct horse", room);
        byte[] sid = CpaceExchange.SessionId(room, Initiator, Responder);
        string baseline = KeyOf(prs, sid, prs, sid);

        // Password: the responder stretched "correct horsf".
        Assert.NotEqual(baseline, KeyOf(prs, sid, Prs("correct horsf", room), sid));
        // sid: the other side counts the pair the other way round, or is in another room.
        Assert.NotEqual(baseline, KeyOf(prs, sid, prs, CpaceExchange.SessionId(room, Responder, Initiator)));
        Assert.NotEqual(baseline, KeyOf(prs, sid, prs, CpaceExchange.SessionId(RoomId.FromName("hall"), Initiator, Responder)));
    }

    [Fact]
    public void A_transcript_in_the_other_order_gives_another_ISK()
    {
        // Both sides as initiator (each puts its own Y first): each transcript has the two values in
        // another order, so the keys differ although K is the same.
        string room = RoomId.FromName("lobby");
        byte[] prs = Prs("correct horse", room);
        byte[] sid = CpaceExchange.SessionId(room, Initiator, Responder);
        using var a = new CpaceExchange(prs, sid, ChannelRole.Initiator, ScalarA);
        using var b = new CpaceExchange(prs, sid, ChannelRole.Initiator, ScalarB);
        var keyA = new byte[32];
        var keyB = new byte[32];
        Assert.True(a.TryDeriveKey(b.Message, keyA));
        Assert.True(b.TryDeriveKey(a.Message, keyB));
        Assert.NotEqual(keyA, keyB);
        Assert.NotEqual(
            Convert.ToHexStringLower(CpaceExchange.TranscriptIr(a.Message[1..], [], b.Message[1..], [])),
            Convert.ToHexStringLower(CpaceExchange.TranscriptIr(b.Message[1..], [], a.Message[1..], [])));
    }

    [Fact]
    public void The_identity_an_invalid_encoding_and_wrong_shapes_are_refused()
    {
        string room = RoomId.FromName("lobby");
        byte[] prs = Prs("pw", room);
        using var a = new CpaceExchange(prs, room, Initiator, Responder, ChannelRole.Initiator);
        var key = new byte[32];

        byte[] identity = new byte[CpaceExchange.MessageSize];
        identity[0] = CpaceExchange.Marker;
        Assert.False(a.TryDeriveKey(identity, key));
        Assert.Equal(new byte[32], key);

        // B.3.11 Y_i1: not a valid ristretto255 encoding.
        byte[] invalid = [CpaceExchange.Marker, .. Convert.FromHexString("2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c")];
        Assert.False(a.TryDeriveKey(invalid, key));

        using var b = new CpaceExchange(prs, room, Initiator, Responder, ChannelRole.Responder);
        byte[] good = b.Message.ToArray();
        Assert.True(a.TryDeriveKey(good, key));
        byte[] wrongMarker = (byte[])good.Clone();
        wrongMarker[0] = 0x02;
        Assert.False(a.TryDeriveKey(wrongMarker, key));
        Assert.False(a.TryDeriveKey(good.AsSpan(1), key)); // 32 bytes: PicoTalk's shape
        Assert.False(a.TryDeriveKey([.. good, 0], key));
        Assert.False(CpaceExchange.IsMessage(good.AsSpan(1)));
        Assert.True(CpaceExchange.IsMessage(good));
    }

    [Fact]
    public void Random_and_mutated_values_never_throw_and_never_give_the_key()
    {
        // A value off the wire is only ever refused (false) or gives some key: never an exception,
        // and a changed value never the key both honest sides agree on.
        string room = RoomId.FromName("lobby");
        byte[] prs = Prs("pw", room);
        byte[] sid = CpaceExchange.SessionId(room, Initiator, Responder);
        using var a = new CpaceExchange(prs, sid, ChannelRole.Initiator, ScalarA);
        using var b = new CpaceExchange(prs, sid, ChannelRole.Responder, ScalarB);
        var agreed = new byte[32];
        Assert.True(a.TryDeriveKey(b.Message, agreed));
        var random = new Random(7);
        var key = new byte[32];
        int refused = 0;
        for (int i = 0; i < 2000; i++)
        {
            byte[] value;
            if (i % 2 == 0)
            {
                value = new byte[random.Next(0, 40)];
                random.NextBytes(value);
                if (value.Length == CpaceExchange.MessageSize && i % 4 == 0)
                {
                    value[0] = CpaceExchange.Marker;
                }
            }
            else
            {
                value = b.Message.ToArray();
                value[random.Next(value.Length)] ^= (byte)(1 << random.Next(8));
            }

            if (!a.TryDeriveKey(value, key))
            {
                refused++;
                Assert.Equal(new byte[32], key);
            }
            else
            {
                Assert.NotEqual(agreed, key);
            }
        }

        // Most random 32-byte strings are no ristretto255 encoding; flips of the marker are refused.
        Assert.True(refused > 1000, $"only {refused} of 2000 refused");
    }

    [Fact]
    public void Bad_inputs_throw()
    {
        string room = RoomId.FromName("lobby");
        Assert.Throws<ArgumentException>(() => new CpaceExchange(new byte[31], room, Initiator, Responder, ChannelRole.Initiator));
        Assert.Throws<ArgumentException>(() => CpaceExchange.SessionId("not hex", Initiator, Responder));
        Assert.Throws<ArgumentException>(() => new CpaceExchange(new byte[32], CpaceExchange.SessionId(room, 2, 3), ChannelRole.Initiator, new byte[32]));
    }

    private static byte[] Prs(string password, string room)
    {
        using var stretched = StretchedPassword.Derive(password, room, Cheap);
        var prs = new byte[CpaceExchange.PrsSize];
        stretched.DeriveSubkey("picotalk-cpace", prs);
        return prs;
    }

    private static (byte[] A, byte[] B) Run(byte[] prsA, byte[] prsB, string room, ushort initiator, ushort responder)
    {
        using var a = new CpaceExchange(prsA, room, initiator, responder, ChannelRole.Initiator);
        using var b = new CpaceExchange(prsB, room, initiator, responder, ChannelRole.Responder);
        var keyA = new byte[32];
        var keyB = new byte[32];
        Assert.True(a.TryDeriveKey(b.Message, keyA));
        Assert.True(b.TryDeriveKey(a.Message, keyB));
        return (keyA, keyB);
    }

    /// <summary>Fixed scalars, so only the inputs differ; returns "A-key/B-key" equal or not.</summary>
    private static string KeyOf(byte[] prsA, byte[] sidA, byte[] prsB, byte[] sidB)
    {
        using var a = new CpaceExchange(prsA, sidA, ChannelRole.Initiator, ScalarA);
        using var b = new CpaceExchange(prsB, sidB, ChannelRole.Responder, ScalarB);
        var keyA = new byte[32];
        var keyB = new byte[32];
        Assert.True(a.TryDeriveKey(b.Message, keyA));
        Assert.True(b.TryDeriveKey(a.Message, keyB));
        return keyA.AsSpan().SequenceEqual(keyB) ? Convert.ToHexStringLower(keyA) : "mismatch";
    }
}
