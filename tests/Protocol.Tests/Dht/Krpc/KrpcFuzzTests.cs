using System.Diagnostics;
using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Dht.Krpc;

namespace PicoTalk.Protocol.Tests.Dht.Krpc;

/// <summary>
/// Random and mutated datagrams through <see cref="KrpcCodec.TryRead"/>: it never throws; whatever
/// it accepts re-encodes to the identical bytes when the input was in normal form (see
/// <see cref="KrpcNormalForm"/>), and otherwise to a normal form that is a fixed point; whatever it
/// refuses as a query with a transaction ID yields a 203 reply that reads back.
/// </summary>
public sealed class KrpcFuzzTests
{
    private const int Iterations = 100_000;

    [Fact]
    public void Random_and_mutated_datagrams_never_throw_and_round_trip()
    {
        var random = new Random(0x5EED_D47);
        var mutator = new FuzzMutator(random, KrpcSamples.All);
        var first = new byte[KrpcCodec.MaxMessageSize];
        var second = new byte[KrpcCodec.MaxMessageSize];
        int accepted = 0, identical = 0, normalized = 0, replied = 0;
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = mutator.Next();
            if (!KrpcCodec.TryRead(input, out var message, out var error))
            {
                Assert.False(string.IsNullOrEmpty(error.Message));
                if (error.ShouldReply)
                {
                    replied++;
                    int r = KrpcCodec.Write(error.ToErrorReply(), first);
                    Assert.True(KrpcCodec.TryRead(first.AsMemory(0, r), out var reply, out _));
                    Assert.Equal((int)KrpcErrorCode.Protocol, reply.Error!.Code);
                    Assert.True(reply.TransactionId.Span.SequenceEqual(error.TransactionId!.Value.Span));
                }

                continue;
            }

            accepted++;
            int n = KrpcCodec.Write(message, first);
            if (KrpcNormalForm.IsNormal(BencodeReader.Read(input)))
            {
                identical++;
                Assert.True(input.AsSpan().SequenceEqual(first.AsSpan(0, n)),
                    $"in:  {KrpcSamples.Text(input)}\nout: {KrpcSamples.Text(first.AsSpan(0, n))}");
            }
            else
            {
                normalized++;
            }

            // Our own output is always normal form, and reading it back changes nothing.
            Assert.True(KrpcNormalForm.IsNormal(BencodeReader.Read(first.AsMemory(0, n))));
            Assert.True(KrpcCodec.TryRead(first.AsMemory(0, n), out var again, out var againError), againError.ToString());
            Assert.Equal(message.Kind, again.Kind);
            int m = KrpcCodec.Write(again, second);
            Assert.True(first.AsSpan(0, n).SequenceEqual(second.AsSpan(0, m)));
        }

        // The mix must exercise every branch in quantity, or it proves little.
        Assert.True(identical > Iterations / 20, $"identical round trips: {identical}");
        Assert.True(normalized > 0, $"normalized: {normalized}");
        Assert.True(replied > Iterations / 500, $"203 replies: {replied}");
        Assert.True(accepted < Iterations * 9 / 10, $"accepted: {accepted}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }
}
