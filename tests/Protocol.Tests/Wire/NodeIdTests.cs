using System.Security.Cryptography;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Tests.Wire;

public sealed class NodeIdTests
{
    [Fact]
    public void Round_trips_hex_and_bytes_big_endian()
    {
        const string hex = "0102030405060708090a0b0c0d0e0f1011121314";
        var id = NodeId.Parse(hex);
        Assert.Equal(hex, id.ToString());
        Assert.Equal(Convert.FromHexString(hex), id.ToArray());
        Assert.Equal(id, NodeId.Parse(hex.ToUpperInvariant()));
        Assert.True(id.GetBit(7));   // 0x01: the last bit of byte 0
        Assert.False(id.GetBit(0));
        // The last byte 0x14 = 0001_0100 holds bits 152..159.
        Assert.True(id.GetBit(155));
        Assert.True(id.GetBit(157));
        Assert.False(id.GetBit(159));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0102")]
    [InlineData("0102030405060708090a0b0c0d0e0f101112131")]
    [InlineData("0102030405060708090a0b0c0d0e0f10111213145")]
    [InlineData("zz02030405060708090a0b0c0d0e0f1011121314")]
    public void Refuses_anything_but_40_hex_digits(string text)
    {
        Assert.False(NodeId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => NodeId.Parse(text));
    }

    [Fact]
    public void Id_of_a_key_is_sha1_of_its_der_spki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] spki = key.ExportSubjectPublicKeyInfo();
        Assert.Equal(SHA1.HashData(spki), NodeId.FromSubjectPublicKeyInfo(spki).ToArray());
    }

    [Fact]
    public void Xor_distance_orders_and_prefix_length_agree_with_a_byte_by_byte_reference()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            byte[] a = new byte[20], b = new byte[20];
            random.NextBytes(a);
            random.NextBytes(b);
            // Force long shared prefixes now and then.
            int share = random.Next(21);
            Array.Copy(a, b, share);
            var x = NodeId.Read(a);
            var y = NodeId.Read(b);
            byte[] xor = a.Zip(b, (p, q) => (byte)(p ^ q)).ToArray();
            Assert.Equal(xor, x.Xor(y).ToArray());
            int expected = 0;
            while (expected < 160 && ((xor[expected / 8] >> (7 - expected % 8)) & 1) == 0)
            {
                expected++;
            }

            Assert.Equal(expected, x.CommonPrefixLength(y));
            Assert.Equal(Math.Sign(CompareBytes(a, b)), Math.Sign(x.CompareTo(y)));
        }
    }

    private static int CompareBytes(byte[] a, byte[] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return a[i].CompareTo(b[i]);
            }
        }

        return 0;
    }
}
