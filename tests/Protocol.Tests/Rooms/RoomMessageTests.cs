using System.Text;
using PicoTalk.Protocol.Rooms;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Rooms;

/// <summary>The JSON messages (PICOTALK.md "Connection to the server", "Inside a room").</summary>
public sealed class RoomMessageTests
{
    private static RoomMessage Parse(string json)
    {
        Assert.True(RoomMessage.TryParse(Encoding.UTF8.GetBytes(json), out var message), json);
        return message;
    }

    [Fact]
    public void Writes_the_golden_messages()
    {
        Assert.Equal("{\"version\":[0,0,20]}", new RoomMessage { Version = RoomMessage.ProtocolVersion }.ToString());
        Assert.Equal("{\"user_id\":2,\"udp_port\":9999,\"udp_stream_id\":4294967295}",
            new RoomMessage { UserId = 2, UdpPort = 9999, UdpStreamId = uint.MaxValue }.ToString());
        Assert.Equal("{\"event\":\"peer_joined\",\"peer_id\":3}", new RoomMessage { Event = RoomMessage.PeerJoined, PeerId = 3 }.ToString());
        Assert.Equal("{\"use_udp\":false}", new RoomMessage { UseUdp = false }.ToString());
    }

    [Fact]
    public void Our_extension_keys_round_trip_and_unknown_extension_bits_are_dropped()
    {
        var key = new RoomMessage { AudioEncryptionKey = new string('a', 64), KeyEpoch = 3, KeyFrom = 4_000_000_000 };
        Assert.Equal("{\"audio_encryption_key\":\"" + new string('a', 64) + "\",\"picotalk_key_epoch\":3,\"picotalk_key_from\":4000000000}", key.ToString());
        Assert.Equal(key, Parse(key.ToString()));
        Assert.Equal("{\"room_id\":\"ab\",\"picotalk_ext\":7}", new RoomMessage { RoomId = "ab", Extensions = RoomExtensions.All }.ToString());
        // A later version's bit 15 is not ours to use; a PicoTalk message has no key and reads as null.
        Assert.Equal(RoomExtensions.Cpace, Parse("{\"picotalk_ext\": 32769}").Extensions);
        Assert.Null(Parse("{\"room_id\": \"ab\"}").Extensions);
        Assert.False(RoomMessage.TryParse("{\"picotalk_key_epoch\": 256}"u8, out _));
        Assert.False(RoomMessage.TryParse("{\"picotalk_ext\": \"all\"}"u8, out _));
    }

    [Fact]
    public void Reads_python_style_json_and_ignores_unknown_keys()
    {
        var hello = Parse("{\"version\": [0, 0, 20], \"motd\": {\"text\": [1, 2]}}");
        Assert.True(hello.IsSupportedVersion);
        Assert.False(Parse("{\"version\": [0, 0, 21]}").IsSupportedVersion);
        Assert.False(Parse("{\"version\": [0, 0]}").IsSupportedVersion);
        Assert.False(Parse("{}").IsSupportedVersion);

        var joined = Parse("{\"user_id\": 2, \"udp_port\": 9999, \"udp_stream_id\": 123456789}");
        Assert.Equal((ushort)2, joined.UserId);
        Assert.Equal((ushort)9999, joined.UdpPort);
        Assert.Equal(123456789u, joined.UdpStreamId);

        var profile = Parse("{\"user_name\": \"K\\u00fcche\", \"audio_encryption_key\": \"" + new string('a', 64) + "\"}");
        Assert.Equal("Küche", profile.UserName);
        Assert.Equal(new string('a', 64), profile.AudioEncryptionKey);
        Assert.Equal(true, Parse("{\"use_udp\": true}").UseUdp);
        Assert.Equal("ok", Parse("{\"status\":\"ok\"}").Status);
        Assert.Equal("hi", Parse("{\"chat_message\":\"hi\"}").ChatMessage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("\"x\"")]
    [InlineData("{\"peer_id\": 65536}")]
    [InlineData("{\"peer_id\": -1}")]
    [InlineData("{\"peer_id\": 2.5}")]
    [InlineData("{\"peer_id\": \"2\"}")]
    [InlineData("{\"use_udp\": 1}")]
    [InlineData("{\"room_id\": null}")]
    [InlineData("{\"version\": [0, 0, \"20\"]}")]
    [InlineData("{\"version\": [0,0,0,0,0,0,0,0,0]}")]
    [InlineData("{\"a\": {\"b\": {\"c\": [1]}}}")]
    [InlineData("{\"status\":\"ok\"} {}")]
    [InlineData("{\"status\":\"ok\"")]
    public void Anything_but_one_well_typed_object_is_refused(string json) =>
        Assert.False(RoomMessage.TryParse(Encoding.UTF8.GetBytes(json), out _), json);

    [Fact]
    public void Invalid_utf8_in_a_string_is_refused()
    {
        byte[] json = [.. "{\"chat_message\":\""u8, 0xc3, 0x28, .. "\"}"u8];
        Assert.False(RoomMessage.TryParse(json, out _));
    }

    [Fact]
    public void Random_and_mutated_json_never_throws_and_reparses_to_the_same_message()
    {
        var random = new Random(0x7005);
        byte[][] valid =
        [
            "{\"version\": [0, 0, 20]}"u8.ToArray(),
            "{\"user_id\": 2, \"udp_port\": 9999, \"udp_stream_id\": 5}"u8.ToArray(),
            "{\"event\": \"peer_authenticated\", \"peer_id\": 3}"u8.ToArray(),
            "{\"user_name\": \"a\", \"audio_encryption_key\": \"00ff\", \"x\": [1, {\"y\": 2}]}"u8.ToArray(),
        ];
        int parsed = 0;
        for (int i = 0; i < 50_000; i++)
        {
            byte[] source = valid[random.Next(valid.Length)];
            byte[] input = random.Next(3) switch
            {
                0 => Mutations.FlipBits(random, source),
                1 => Mutations.Truncate(random, source),
                _ => Mutations.Extend(random, source),
            };
            if (RoomMessage.TryParse(input, out var message))
            {
                parsed++;
                Assert.True(RoomMessage.TryParse(message.ToJson(), out var again));
                Assert.Equal(message.ToString(), again.ToString());
            }
        }

        Assert.True(parsed > 500, $"{parsed}");
    }
}
