using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Tests.Session;

public sealed class SignalMessageTests
{
    [Fact]
    public void Golden_bytes()
    {
        var buffer = new byte[SignalMessage.MaxSize];
        int n = SignalMessage.Write(new SignalMessage(SignalKind.Invite, "Door"), buffer);
        Assert.Equal("0104446f6f72", Convert.ToHexStringLower(buffer, 0, n));

        n = SignalMessage.Write(new SignalMessage(SignalKind.Keepalive, null), buffer);
        Assert.Equal("0000", Convert.ToHexStringLower(buffer, 0, n));

        n = SignalMessage.Write(new SignalMessage(SignalKind.Hangup, "fin é"), buffer);
        Assert.Equal("060666696e20c3a9", Convert.ToHexStringLower(buffer, 0, n));
    }

    [Fact]
    public void Round_trips_every_kind()
    {
        var buffer = new byte[SignalMessage.MaxSize];
        foreach (var kind in Enum.GetValues<SignalKind>())
        {
            var message = new SignalMessage(kind, kind == SignalKind.Keepalive ? null : $"text {kind}");
            int n = SignalMessage.Write(message, buffer);
            Assert.True(SignalMessage.TryRead(buffer.AsSpan(0, n), out var read));
            Assert.Equal(message, read);
        }
    }

    [Fact]
    public void Refuses_unknown_kind_bad_length_and_invalid_utf8()
    {
        Assert.False(SignalMessage.TryRead(Convert.FromHexString("0800"), out _));
        Assert.False(SignalMessage.TryRead(Convert.FromHexString("0102aa"), out _));
        Assert.False(SignalMessage.TryRead(Convert.FromHexString("0101aabb"), out _));
        Assert.False(SignalMessage.TryRead(Convert.FromHexString("0102c328"), out _));
        Assert.False(SignalMessage.TryRead(Convert.FromHexString("01"), out _));
        var tooLong = new byte[2 + 65];
        tooLong[0] = 1;
        tooLong[1] = 65;
        tooLong.AsSpan(2).Fill((byte)'a');
        Assert.False(SignalMessage.TryRead(tooLong, out _));
    }

    [Fact]
    public void Write_refuses_a_text_over_64_bytes()
    {
        var buffer = new byte[200];
        Assert.Equal(66, SignalMessage.Write(new SignalMessage(SignalKind.Reject, new string('x', 64)), buffer));
        var e = Assert.Throws<ArgumentException>(() => SignalMessage.Write(new SignalMessage(SignalKind.Reject, new string('x', 65)), buffer));
        Assert.Contains("64", e.Message);
    }
}
