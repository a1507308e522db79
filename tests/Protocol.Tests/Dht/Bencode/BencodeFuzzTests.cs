using System.Diagnostics;
using PicoTalk.Protocol.Dht.Bencode;
using PicoTalk.Protocol.Tests.Dht.Krpc;

namespace PicoTalk.Protocol.Tests.Dht.Bencode;

/// <summary>
/// Random and mutated inputs through the strict reader: nothing but <see cref="BencodeException"/>
/// ever escapes, and whatever parses re-encodes to exactly its input (one encoding per value).
/// </summary>
public sealed class BencodeFuzzTests
{
    private const int Iterations = 100_000;

    [Fact]
    public void Random_and_mutated_inputs_never_throw_and_parse_only_canonical_bytes()
    {
        var random = new Random(0xBE0C0DE);
        var mutator = new FuzzMutator(random, KrpcSamples.All);
        var buffer = new byte[2 * BencodeLimits.DefaultMaxInputSize];
        int parsed = 0;
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = mutator.Next();
            bool ok = BencodeReader.TryRead(input, out var value, out var error);
            if (ok)
            {
                parsed++;
                int n = BencodeWriter.Write(value, buffer);
                Assert.True(input.AsSpan().SequenceEqual(buffer.AsSpan(0, n)), $"not canonical: {KrpcSamples.Text(input)}");
                Assert.True(KeysAscend(value), $"unsorted keys accepted: {KrpcSamples.Text(input)}");
                Assert.Equal(BencodeErrorReason.None, error.Reason);
            }
            else
            {
                Assert.NotEqual(BencodeErrorReason.None, error.Reason);
                Assert.InRange(error.Offset, 0, Math.Max(input.Length, BencodeLimits.DefaultMaxInputSize));
            }

            // The throwing entry point throws only the typed exception, for the same reason.
            if (i % 16 == 0)
            {
                var thrown = Record.Exception(() => BencodeReader.Read(input));
                Assert.True(thrown is null || thrown is BencodeException, thrown?.ToString());
                Assert.Equal(ok, thrown is null);
            }
        }

        // The mix must reach both outcomes in quantity, or it tests nothing.
        Assert.InRange(parsed, Iterations / 50, Iterations - (Iterations / 50));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    // Checked here independently of the reader: the writer keeps a parsed dictionary's order, so a
    // reader that let unsorted keys through would still round-trip.
    private static bool KeysAscend(in BencodeValue value)
    {
        switch (value.Kind)
        {
            case BencodeKind.List:
                for (int i = 0; i < value.Count; i++)
                {
                    if (!KeysAscend(value[i]))
                    {
                        return false;
                    }
                }

                return true;
            case BencodeKind.Dictionary:
                for (int i = 0; i < value.Count; i++)
                {
                    if ((i > 0 && value.KeyAt(i - 1).Span.SequenceCompareTo(value.KeyAt(i).Span) >= 0) || !KeysAscend(value.ValueAt(i)))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }
}
