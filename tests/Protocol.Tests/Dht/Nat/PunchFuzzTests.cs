using PicoTalk.Protocol.Dht.Krpc;
using PicoTalk.Protocol.Tests.Dht.Krpc;

namespace PicoTalk.Protocol.Tests.Dht.Nat;

/// <summary>Mutated pt_punch datagrams (STYLE.md 10): the reader never throws, and what it accepts re-encodes to a fixed point.</summary>
public sealed class PunchFuzzTests
{
    private const int Iterations = 20_000;
    private const string Caller = "abcdefghij0123456789";
    private const string Callee = "mnopqrstuvwxyz123456";

    private static readonly string[] Seeds =
    [
        "d1:ad2:id20:" + Caller + "9:info_hash20:" + Callee + "e1:q8:pt_punch1:t2:aa1:y1:qe",
        "d1:ad4:addr6:\u00c0\u0000\u0002\u0007\u001a\u00e12:id20:" + Caller + "9:info_hash20:" + Callee + "e1:q8:pt_punch1:t2:aa1:y1:qe",
        "d1:rd2:id20:" + Callee + "3:nati2ee1:t2:aa1:y1:re",
    ];

    [Fact]
    public void Mutated_punch_messages_never_throw_and_round_trip()
    {
        var mutator = new FuzzMutator(new Random(0x9A7), Seeds);
        var first = new byte[KrpcCodec.MaxMessageSize];
        var second = new byte[KrpcCodec.MaxMessageSize];
        int accepted = 0, punches = 0;
        for (int i = 0; i < Iterations; i++)
        {
            if (!KrpcCodec.TryRead(mutator.Next(), out var message, out var error))
            {
                Assert.False(string.IsNullOrEmpty(error.Message));
                continue;
            }

            accepted++;
            punches += message.Query?.Method == KrpcMethod.Punch || message.Response?.Nat is not null ? 1 : 0;
            int n = KrpcCodec.Write(message, first);
            Assert.True(KrpcCodec.TryRead(first.AsMemory(0, n), out var again, out var againError), againError.ToString());
            int m = KrpcCodec.Write(again, second);
            Assert.True(first.AsSpan(0, n).SequenceEqual(second.AsSpan(0, m)));
        }

        // The mutations must leave enough valid punches for the round trip to mean something.
        Assert.True(punches > Iterations / 100, $"{accepted} accepted, {punches} of them punch messages");
    }
}
