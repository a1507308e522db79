using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>Golden bytes of the three handshake messages, with short fake SPKI and signature patterns.</summary>
public sealed class HandshakeCodecTests
{
    private static readonly byte[] Ephemeral = [0xE1, 0xE2, 0xE3];
    private static readonly byte[] IdentitySpki = [0x1D, 0x1E];
    private static readonly byte[] Signature = [0x51, 0x52, 0x53, 0x54];
    private static readonly NodeId Target = NodeId.Read(Convert.FromHexString("0102030405060708090a0b0c0d0e0f1011121314"));

    [Fact]
    public void KeyRequest_golden_bytes_and_round_trip()
    {
        var buffer = new byte[64];
        int n = KeyRequest.Write(new KeyRequest(HandshakeHeader.RekeyFlag, Target, Ephemeral, IdentitySpki, Signature), buffer);

        Assert.Equal(
            "01010100" + "0102030405060708090a0b0c0d0e0f1011121314" + "0003e1e2e3" + "00021d1e" + "000451525354",
            Convert.ToHexStringLower(buffer, 0, n));
        Assert.True(KeyRequest.TryRead(buffer.AsSpan(0, n), out var read));
        Assert.True(read.IsRekey);
        Assert.Equal(Target, read.Target);
        Assert.Equal(Ephemeral, read.EphemeralSpki.ToArray());
        Assert.Equal(IdentitySpki, read.IdentitySpki.ToArray());
        Assert.Equal(Signature, read.Signature.ToArray());
        Assert.Equal(n - 2 - Signature.Length, read.SignedLength);
    }

    [Fact]
    public void KeyResponse_golden_bytes_and_round_trip()
    {
        var buffer = new byte[64];
        int n = KeyResponse.Write(new KeyResponse(0, Ephemeral, IdentitySpki, Signature), buffer);

        Assert.Equal("02010000" + "0003e1e2e3" + "00021d1e" + "000451525354", Convert.ToHexStringLower(buffer, 0, n));
        Assert.True(KeyResponse.TryRead(buffer.AsSpan(0, n), out var read));
        Assert.False(read.IsRekey);
        Assert.Equal(Ephemeral, read.EphemeralSpki.ToArray());
        Assert.Equal(IdentitySpki, read.IdentitySpki.ToArray());
        Assert.Equal(Signature, read.Signature.ToArray());
        Assert.Equal(4 + 5 + 4, read.SignedLength);
    }

    [Fact]
    public void KeyConfirm_golden_bytes_and_round_trip()
    {
        var buffer = new byte[16];
        int n = KeyConfirm.Write(new KeyConfirm(HandshakeHeader.RekeyFlag, Signature), buffer);

        Assert.Equal("03010100" + "000451525354", Convert.ToHexStringLower(buffer, 0, n));
        Assert.True(KeyConfirm.TryRead(buffer.AsSpan(0, n), out var read));
        Assert.True(read.IsRekey);
        Assert.Equal(Signature, read.Signature.ToArray());
    }

    [Theory]
    [InlineData("03010000000451525354ff", "trailing byte")]
    [InlineData("030100000004515253", "short signature")]
    [InlineData("03020000000451525354", "version 2")]
    [InlineData("03010001000451525354", "reserved byte set")]
    [InlineData("03010200000451525354", "unknown flag")]
    [InlineData("02010000000451525354", "wrong type")]
    [InlineData("03010000000051525354", "zero-length field")]
    [InlineData("030100", "truncated header")]
    public void KeyConfirm_refuses(string hex, string why)
    {
        Assert.False(KeyConfirm.TryRead(Convert.FromHexString(hex), out _), why);
    }

    [Fact]
    public void KeyRequest_refuses_every_truncation_and_extension()
    {
        var buffer = new byte[64];
        int n = KeyRequest.Write(new KeyRequest(0, Target, Ephemeral, IdentitySpki, Signature), buffer);
        for (int length = 0; length < n; length++)
        {
            Assert.False(KeyRequest.TryRead(buffer.AsSpan(0, length), out _), $"length {length}");
        }

        Assert.True(KeyRequest.TryRead(buffer.AsSpan(0, n), out _));
        Assert.False(KeyRequest.TryRead(buffer.AsSpan(0, n + 1), out _));
    }

    [Fact]
    public void Real_handshake_messages_have_the_expected_sizes()
    {
        using var identity = IdentityKey.Generate();
        using var ephemeral = HandshakeCrypto.NewEphemeral();
        byte[] request = HandshakeCrypto.BuildRequest(identity, 0, NodeId.Zero, ephemeral.ExportSubjectPublicKeyInfo());
        byte[] response = HandshakeCrypto.BuildResponse(identity, 0, request, ephemeral.ExportSubjectPublicKeyInfo());
        byte[] confirm = HandshakeCrypto.BuildConfirm(identity, 0, request, response);

        // header 4 + target 20 + (2 + 91) * 2 + 2 + 64
        Assert.Equal(276, request.Length);
        Assert.Equal(256, response.Length);
        Assert.Equal(70, confirm.Length);
        Assert.True(KeyRequest.TryRead(request, out var r));
        Assert.True(NodeId.Zero == r.Target);
    }
}
