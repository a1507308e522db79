using PicoTalk.Protocol.Dht.Storage;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Dht.Storage;

/// <summary>BEP 5 tokens: secret rotated every 5 minutes, previous accepted, bound to the IP address.</summary>
public sealed class TokenManagerTests
{
    private static readonly PeerEndpoint Requester = PeerEndpoint.Parse("192.0.2.7:6881");
    private readonly FakeTimeProvider _time = new(61);
    private readonly TokenManager _tokens;

    public TokenManagerTests() => _tokens = new TokenManager(_time);

    [Fact]
    public void A_token_is_valid_now_and_after_6_minutes_but_not_after_11()
    {
        byte[] token = _tokens.Issue(Requester);
        Assert.Equal(TokenManager.TokenSize, token.Length);
        Assert.True(_tokens.Validate(Requester, token));
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.True(_tokens.Validate(Requester, token));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(_tokens.Validate(Requester, token));
    }

    [Fact]
    public void A_token_issued_late_in_an_epoch_lives_at_least_5_minutes_and_under_10()
    {
        _time.Advance(TimeSpan.FromMinutes(4));
        byte[] token = _tokens.Issue(Requester);
        _time.Advance(TimeSpan.FromMinutes(6) - TimeSpan.FromTicks(1));
        Assert.True(_tokens.Validate(Requester, token));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(_tokens.Validate(Requester, token));
    }

    [Fact]
    public void A_token_is_bound_to_the_ip_address_not_the_port()
    {
        byte[] token = _tokens.Issue(Requester);
        Assert.True(_tokens.Validate(PeerEndpoint.Parse("192.0.2.7:40000"), token));
        Assert.False(_tokens.Validate(PeerEndpoint.Parse("192.0.2.8:6881"), token));
        Assert.False(_tokens.Validate(PeerEndpoint.Parse("[::ffff:192.0.2.9]:6881"), token));

        var v6 = PeerEndpoint.Parse("[2001:db8::7]:6881");
        byte[] token6 = _tokens.Issue(v6);
        Assert.True(_tokens.Validate(PeerEndpoint.Parse("[2001:db8::7]:1"), token6));
        Assert.False(_tokens.Validate(PeerEndpoint.Parse("[2001:db8::8]:6881"), token6));
        Assert.NotEqual(token, token6);
    }

    [Fact]
    public void Wrong_tokens_are_refused()
    {
        byte[] token = _tokens.Issue(Requester);
        Assert.False(_tokens.Validate(Requester, token.AsSpan(0, 7)));
        Assert.False(_tokens.Validate(Requester, [.. token, 0]));
        Assert.False(_tokens.Validate(Requester, ReadOnlySpan<byte>.Empty));
        for (int bit = 0; bit < TokenManager.TokenSize * 8; bit++)
        {
            byte[] flipped = (byte[])token.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(_tokens.Validate(Requester, flipped));
        }

        // Another manager (another appliance, or a restart) has other secrets.
        Assert.False(new TokenManager(_time).Validate(Requester, token));
    }

    [Fact]
    public void Tokens_are_stable_within_an_epoch_and_change_after_rotation()
    {
        byte[] first = _tokens.Issue(Requester);
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(first, _tokens.Issue(Requester));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotEqual(first, _tokens.Issue(Requester));
    }
}
