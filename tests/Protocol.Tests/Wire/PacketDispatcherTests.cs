using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Tests.Wire;

public sealed class PacketDispatcherTests
{
    private sealed class Recorder : IDatagramHandler
    {
        public List<byte[]> Seen { get; } = new();

        public void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from) => Seen.Add(datagram.ToArray());
    }

    [Fact]
    public void Routes_by_first_byte_and_counts_the_rest()
    {
        var drops = new DropCounters();
        var dispatcher = new PacketDispatcher(drops);
        var media = new Recorder();
        var krpc = new Recorder();
        dispatcher.Register(PacketType.Media, media);
        dispatcher.Register(PacketType.Krpc, krpc);
        var from = PeerEndpoint.Parse("127.0.0.1:9");

        dispatcher.Dispatch([0x10, 1, 2], from);
        dispatcher.Dispatch("d1:ad2:id20:"u8, from);
        dispatcher.Dispatch([], from);
        dispatcher.Dispatch([0xff, 0], from);

        Assert.Equal([[0x10, 1, 2]], media.Seen);
        Assert.Single(krpc.Seen);
        Assert.Equal(2, drops[DropReason.UnknownType]);
        Assert.Equal(2, drops.Total);
    }

    [Fact]
    public void A_type_has_one_handler()
    {
        var dispatcher = new PacketDispatcher(new DropCounters());
        dispatcher.Register(PacketType.Control, new Recorder());
        Assert.Throws<InvalidOperationException>(() => dispatcher.Register(PacketType.Control, new Recorder()));
    }

    [Fact]
    public void Packet_types_are_distinct_and_none_collides_with_bencode()
    {
        var values = Enum.GetValues<PacketType>().Select(t => (byte)t).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
        // Session types stay below 0x20 so no text or bencode ('d', 'l', 'i', digits) starts like them.
        Assert.All(Enum.GetValues<PacketType>().Where(t => t != PacketType.Krpc), t => Assert.True((byte)t < 0x20));
        Assert.Equal((byte)'d', (byte)PacketType.Krpc);
    }
}
