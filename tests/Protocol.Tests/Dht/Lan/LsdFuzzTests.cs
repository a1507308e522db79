using System.Text;
using PicoTalk.Protocol.Dht.Lan;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Protocol.Tests.Dht.Lan;

/// <summary>
/// Seeded fuzzing of the reader (STYLE.md 10): random bytes biased to the announce alphabet, and
/// valid announces mutated by byte flips, alphabet substitutions, insertions, deletions, truncation,
/// line duplication and line splicing. Nothing may throw; anything accepted must re-encode to a
/// message that reads back equal and fits in BEP 14's 1400 bytes.
/// </summary>
public sealed class LsdFuzzTests
{
    private const int Iterations = 120_000;

    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("\r\n:  \t0123456789abcdefABCDEF-*./[]HhPpIiCcXx");

    private static readonly string[] Seeds =
    [
        "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\n" +
            "Infohash: 0123456789abcdef0123456789abcdef01234567\r\ncookie: 5a1f0c\r\n\r\n\r\n",
        "BT-SEARCH * HTTP/1.1\r\nHost: [ff15::efc0:988f]:6771\r\nPort: 5004\r\n" +
            "Infohash: 3c50c313b99dc647be51fb2683673f67da533ca3\r\ncookie: 00ff\r\n" +
            "X-PicoTalk-Id: fedcba9876543210fedcba9876543210fedcba98\r\n\r\n\r\n",
        "BT-SEARCH * HTTP/1.1\r\nhost:239.192.152.143:6771\r\nUser-Agent: x/1\r\nport:  1 \r\n" +
            "INFOHASH: 0123456789ABCDEF0123456789ABCDEF01234567\r\n" +
            "Infohash: fedcba9876543210fedcba9876543210fedcba98\r\n\r\n",
    ];

    [Fact]
    public void Random_and_mutated_inputs_never_throw_and_accepted_ones_round_trip()
    {
        var random = new Random(140014);
        var seeds = Seeds.Select(Encoding.ASCII.GetBytes).ToArray();
        var output = new byte[LsdSpec.MaxDatagram];
        int accepted = 0;
        var errorsSeen = new HashSet<LsdParseError>();
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = random.Next(4) == 0 ? RandomBytes(random) : Mutate(random, seeds);
            if (!LsdMessage.TryRead(input, out var message, out var error))
            {
                errorsSeen.Add(error);
                Assert.Equal(default, message);
                continue;
            }

            accepted++;
            int written = LsdMessage.Write(message, output);
            Assert.InRange(written, 1, LsdSpec.MaxDatagram);
            Assert.True(LsdMessage.TryRead(output.AsSpan(0, written), out var again, out var againError),
                $"re-encoded form refused ({againError}): {Encoding.ASCII.GetString(output, 0, written)}");
            Assert.Equal(message, again);
        }

        // The corpus really exercised both paths and most of the reader's refusals.
        Assert.InRange(accepted, Iterations / 50, Iterations - (Iterations / 10));
        Assert.True(errorsSeen.Count >= 12, $"only {errorsSeen.Count} kinds of error seen: {string.Join(", ", errorsSeen)}");
    }

    [Fact]
    public void Random_valid_messages_round_trip()
    {
        var random = new Random(1414);
        var buffer = new byte[LsdSpec.MaxDatagram];
        for (int i = 0; i < 2000; i++)
        {
            var hashes = Enumerable.Range(0, random.Next(1, LsdPicoTalk.MaxInfohashes + 1)).Select(_ => NodeId.Random()).ToArray();
            string? cookie = random.Next(2) == 0 ? null : RandomText(random, random.Next(1, LsdPicoTalk.MaxCookieLength + 1), '!', '~');
            string host = random.Next(3) switch
            {
                0 => LsdSpec.IPv4Host,
                1 => LsdSpec.IPv6Host,
                _ => RandomText(random, random.Next(1, LsdPicoTalk.MaxHostLength + 1), 'a', 'z'),
            };
            NodeId? id = random.Next(2) == 0 ? null : NodeId.Random();
            var message = new LsdMessage(host, (ushort)random.Next(1, 65536), hashes, cookie, id);

            int written = LsdMessage.Write(message, buffer);
            Assert.Equal(LsdMessage.GetEncodedLength(message), written);
            Assert.True(LsdMessage.TryRead(buffer.AsSpan(0, written), out var back, out var error), error.ToString());
            Assert.Equal(message, back);
            Assert.Equal(message.GetHashCode(), back.GetHashCode());
        }
    }

    private static string RandomText(Random random, int length, char low, char high)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(low, high + 1);
        }

        return new string(chars);
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 1500)];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = random.Next(3) == 0 ? (byte)random.Next(256) : Alphabet[random.Next(Alphabet.Length)];
        }

        // Often give random bytes the right first line, so they reach the header parser.
        if (random.Next(2) == 0)
        {
            return [.. "BT-SEARCH * HTTP/1.1\r\n"u8, .. bytes];
        }

        return bytes;
    }

    private static byte[] Mutate(Random random, byte[][] seeds)
    {
        var input = new List<byte>(seeds[random.Next(seeds.Length)]);
        int mutations = random.Next(4) == 0 ? 0 : 1 + random.Next(3);
        for (int m = 0; m < mutations && input.Count > 0; m++)
        {
            int at = random.Next(input.Count);
            switch (random.Next(7))
            {
                case 0:
                    input[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    input[at] = Alphabet[random.Next(Alphabet.Length)];
                    break;
                case 2:
                    input.Insert(at, Alphabet[random.Next(Alphabet.Length)]);
                    break;
                case 3:
                    input.RemoveAt(at);
                    break;
                case 4:
                    input.RemoveRange(at, input.Count - at);
                    break;
                case 5:
                    DuplicateLine(random, input);
                    break;
                default:
                    SpliceLine(random, input, seeds[random.Next(seeds.Length)]);
                    break;
            }
        }

        return input.ToArray();
    }

    // Repeats one whole line: duplicate headers, repeated request lines, many Infohash lines.
    private static void DuplicateLine(Random random, List<byte> input)
    {
        var (start, length) = PickLine(random, input);
        var line = input.GetRange(start, length);
        int copies = random.Next(1, 30);
        for (int c = 0; c < copies; c++)
        {
            input.InsertRange(start, line);
        }
    }

    private static void SpliceLine(Random random, List<byte> input, byte[] other)
    {
        var otherList = new List<byte>(other);
        var (start, length) = PickLine(random, otherList);
        var (at, _) = PickLine(random, input);
        input.InsertRange(at, otherList.GetRange(start, length));
    }

    /// <summary>A random line including its LF (or the tail, if the LF is gone).</summary>
    private static (int Start, int Length) PickLine(Random random, List<byte> bytes)
    {
        if (bytes.Count == 0)
        {
            return (0, 0);
        }

        int at = random.Next(bytes.Count);
        int start = at == 0 ? 0 : bytes.LastIndexOf((byte)'\n', at - 1) + 1;

        int lf = bytes.IndexOf((byte)'\n', start);
        int end = lf < 0 ? bytes.Count : lf + 1;
        return (start, end - start);
    }
}
