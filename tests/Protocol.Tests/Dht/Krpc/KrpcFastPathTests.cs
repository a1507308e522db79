using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Dht.Krpc;

namespace PicoTalk.Protocol.Tests.Dht.Krpc;

/// <summary>
/// The allocation-free fast reader (KrpcCodec.Fast.cs) against the general one: on the samples and
/// on 100,000 mutations of them, whatever the fast reader accepts the general reader accepts too,
/// as the same message (same bytes when written back), and the fast reader takes a real share.
/// </summary>
public sealed class KrpcFastPathTests
{
    private const int Iterations = 100_000;

    [Fact]
    public void Fast_reader_accepts_only_what_the_general_reader_reads_the_same_way()
    {
        var random = new Random(0xFA57);
        var mutator = new FuzzMutator(random, KrpcSamples.All);
        var fastBytes = new byte[KrpcCodec.MaxMessageSize];
        var generalBytes = new byte[KrpcCodec.MaxMessageSize];
        int fast = 0, general = 0;
        for (int i = 0; i < Iterations + KrpcSamples.All.Length; i++)
        {
            byte[] input = i < KrpcSamples.All.Length ? KrpcSamples.Bytes(KrpcSamples.All[i]) : mutator.Next();
            bool generalRead = KrpcCodec.TryReadGeneral(input, out var expected, out _);
            general += generalRead ? 1 : 0;
            if (!KrpcCodec.TryReadFast(input, out var message))
            {
                continue;
            }

            fast++;
            Assert.True(generalRead, $"fast path accepted what the general reader refuses: {KrpcSamples.Text(input)}");
            Assert.Equal(expected.Kind, message.Kind);
            Assert.Equal(expected.IsReadOnly, message.IsReadOnly);
            Assert.Equal(expected.RequesterAddress, message.RequesterAddress);
            int n = KrpcCodec.Write(message, fastBytes);
            int m = KrpcCodec.Write(expected, generalBytes);
            Assert.True(fastBytes.AsSpan(0, n).SequenceEqual(generalBytes.AsSpan(0, m)), KrpcSamples.Text(input));
        }

        Assert.True(fast > general / 4, $"fast path took {fast} of {general} readable messages");
    }

    [Theory]
    [InlineData(KrpcSamples.PingQuery)]
    [InlineData(KrpcSamples.FindNodeQuery)]
    [InlineData(KrpcSamples.GetPeersQuery)]
    [InlineData(KrpcSamples.AnnouncePeerQuery)]
    [InlineData(KrpcSamples.PingResponse)]
    [InlineData(KrpcSamples.FindNodeResponse)]
    [InlineData(KrpcSamples.FindNodeNodes6Response)]
    [InlineData(KrpcSamples.OurResponseWithAddress)]
    public void Common_messages_take_the_fast_path(string text) =>
        Assert.True(KrpcCodec.TryReadFast(KrpcSamples.Bytes(text), out _));

    [Theory]
    [InlineData(KrpcSamples.GenericError)]
    [InlineData(KrpcSamples.UnknownMethodQuery)]
    [InlineData(KrpcSamples.GetPeersValuesResponse)]
    [InlineData("d1:rd2:id20:mnopqrstuvwxyz1234563:xyzi1ee1:t2:aa1:y1:re")]
    public void Others_are_left_to_the_general_reader(string text)
    {
        Assert.False(KrpcCodec.TryReadFast(KrpcSamples.Bytes(text), out _));
        Assert.True(KrpcCodec.TryRead(KrpcSamples.Bytes(text), out _, out var error), error.ToString());
    }

    [Fact]
    public void Validate_agrees_with_the_reader_on_mutated_bencode()
    {
        var mutator = new FuzzMutator(new Random(0xB0B), KrpcSamples.All);
        var limits = new BencodeLimits(BencodeLimits.DefaultMaxDepth, BencodeLimits.DefaultMaxElements, KrpcCodec.MaxMessageSize);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = mutator.Next();
            bool read = BencodeReader.TryRead(input, limits, out _, out var readError);
            bool valid = BencodeReader.Validate(input, limits, out var validateError);
            Assert.Equal(read, valid);
            Assert.Equal(readError, validateError);
        }
    }
}
