using PicoTalk.Protocol.Rooms;
using static PicoTalk.Protocol.Tests.Rooms.NaClReference;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>The triple-DH transport key exchange (PICOTALK.md "Connection to the server", step 2).</summary>
public sealed class TransportHandshakeTests
{
    private static readonly byte[] ClientEphemeral = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] ServerEphemeral = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    private static (TransportHandshake Client, TransportHandshake Server) FixedPair()
    {
        var client = new TransportHandshake(ChannelRole.Initiator, X25519KeyPair.FromSecret(SodiumTests.AliceSecret), X25519KeyPair.FromSecret(ClientEphemeral));
        var server = new TransportHandshake(ChannelRole.Responder, X25519KeyPair.FromSecret(SodiumTests.BobSecret), X25519KeyPair.FromSecret(ServerEphemeral));
        return (client, server);
    }

    [Fact]
    public void Hello_is_identity_then_ephemeral_public_key()
    {
        var (client, _) = FixedPair();
        var hello = new byte[64];
        client.WriteHello(hello);
        Assert.Equal(SodiumTests.AlicePublic, hello[..32]); // RFC 7748 §6.1
        Assert.Equal(X25519Base(ClientEphemeral), hello[32..]);
    }

    [Fact]
    public void Both_sides_derive_the_key_of_the_reference_computation()
    {
        var (client, server) = FixedPair();
        var clientHello = new byte[64];
        var serverHello = new byte[64];
        client.WriteHello(clientHello);
        server.WriteHello(serverHello);

        // From PICOTALK.md, with BouncyCastle X25519, HSalsa20 from the paper and BouncyCastle SHA-512.
        byte[] b1 = BoxKey(SodiumTests.AliceSecret, X25519Base(ServerEphemeral));
        byte[] b2 = BoxKey(ClientEphemeral, SodiumTests.BobPublic);
        byte[] b3 = BoxKey(ClientEphemeral, X25519Base(ServerEphemeral));
        byte[] expected = Sha512([.. b1, .. b2, .. b3])[..32];

        var clientKey = new byte[32];
        var serverKey = new byte[32];
        Assert.True(client.TryComplete(serverHello, clientKey));
        Assert.True(server.TryComplete(clientHello, serverKey));
        Assert.Equal(expected, clientKey);
        Assert.Equal(expected, serverKey);
        Assert.Equal(SodiumTests.BobPublic, client.TheirIdentity.ToArray());
        Assert.Equal(SodiumTests.AlicePublic, server.TheirIdentity.ToArray());

        // The responder's own order (b2 || b1 || b3 of its own box keys) is the same bytes.
        byte[] serverB1 = BoxKey(SodiumTests.BobSecret, X25519Base(ClientEphemeral));
        byte[] serverB2 = BoxKey(ServerEphemeral, SodiumTests.AlicePublic);
        Assert.Equal(b1, serverB2);
        Assert.Equal(b2, serverB1);
    }

    [Fact]
    public void Fresh_ephemerals_give_a_fresh_key_each_time()
    {
        using var clientIdentity = X25519KeyPair.Generate();
        using var serverIdentity = X25519KeyPair.Generate();
        var keys = new HashSet<string>();
        for (int i = 0; i < 3; i++)
        {
            using var client = new TransportHandshake(ChannelRole.Initiator, clientIdentity);
            using var server = new TransportHandshake(ChannelRole.Responder, serverIdentity);
            var ch = new byte[64];
            var sh = new byte[64];
            client.WriteHello(ch);
            server.WriteHello(sh);
            var ck = new byte[32];
            var sk = new byte[32];
            Assert.True(client.TryComplete(sh, ck));
            Assert.True(server.TryComplete(ch, sk));
            Assert.Equal(ck, sk);
            Assert.True(keys.Add(Convert.ToHexString(ck)));
        }
    }

    [Theory]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(0)]
    public void A_hello_of_the_wrong_size_fails(int size)
    {
        var (client, _) = FixedPair();
        var key = new byte[32];
        Assert.False(client.TryComplete(new byte[size], key));
    }

    [Fact]
    public void A_hello_with_a_small_order_key_fails_without_a_key()
    {
        var (client, server) = FixedPair();
        var serverHello = new byte[64];
        server.WriteHello(serverHello);
        serverHello.AsSpan(32).Clear(); // ephemeral u = 0
        var key = new byte[32];
        Assert.False(client.TryComplete(serverHello, key));
        Assert.All(key, b => Assert.Equal(0, b));
    }
}
