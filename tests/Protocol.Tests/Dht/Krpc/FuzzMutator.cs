using System.Text;

namespace PicoTalk.Protocol.Tests.Dht.Krpc;

/// <summary>
/// Seeded fuzz inputs: a quarter random bytes (biased to bencode's alphabet so that they get past
/// the first byte), the rest golden messages mutated by byte flips, bencode-byte substitutions,
/// insertions, deletions, truncation, splicing two messages, and number edits.
/// </summary>
internal sealed class FuzzMutator
{
    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("0123456789:ildeqrtyv-a");

    private readonly Random _random;
    private readonly byte[][] _seeds;

    public FuzzMutator(Random random, IEnumerable<string> seeds)
    {
        _random = random;
        _seeds = seeds.Select(KrpcSamples.Bytes).ToArray();
    }

    public byte[] Next()
    {
        if (_random.Next(4) == 0)
        {
            var bytes = new byte[_random.Next(0, 48)];
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = _random.Next(3) == 0 ? (byte)_random.Next(256) : Alphabet[_random.Next(Alphabet.Length)];
            }

            return bytes;
        }

        var input = new List<byte>(_seeds[_random.Next(_seeds.Length)]);
        int mutations = _random.Next(3) == 0 ? 0 : 1 + _random.Next(3);
        for (int m = 0; m < mutations && input.Count > 0; m++)
        {
            int at = _random.Next(input.Count);
            switch (_random.Next(7))
            {
                case 0:
                    input[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1:
                    input[at] = Alphabet[_random.Next(Alphabet.Length)];
                    break;
                case 2:
                    input.Insert(at, Alphabet[_random.Next(Alphabet.Length)]);
                    break;
                case 3:
                    input.RemoveAt(at);
                    break;
                case 4:
                    input.RemoveRange(at, input.Count - at);
                    break;
                case 5:
                {
                    var other = _seeds[_random.Next(_seeds.Length)];
                    int from = _random.Next(other.Length);
                    input.RemoveRange(at, input.Count - at);
                    input.AddRange(other.AsSpan(from).ToArray());
                    break;
                }

                default:
                    // Swap one digit for another: changes lengths, integers and ports in place.
                    if (input[at] is >= (byte)'0' and <= (byte)'9')
                    {
                        input[at] = (byte)('0' + _random.Next(10));
                    }

                    break;
            }
        }

        return input.ToArray();
    }
}
