using System.Text;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Protocol.Tests.Control;

/// <summary>
/// Random and mutated lines through both parsers (STYLE.md 10): the request parser only ever
/// answers with a request or its own bad_request reply, the client parser only with true/false.
/// Seeded, so a failure names the seed and iteration that reproduce it.
/// </summary>
public sealed class ControlParserFuzzTests
{
    private const int Iterations = 120_000;

    private static readonly string[] Seeds =
    [
        """{"id":1,"cmd":"status"}""",
        """{"id":12,"cmd":"dial","args":{"to":"127.0.0.1:5004"}}""",
        """{"id":3,"cmd":"dial","args":{"to":"0123456789abcdef0123456789abcdef01234567"}}""",
        """{"id":9007199254740993,"cmd":"events","args":null}""",
        """{"id":1,"ok":true,"result":{"state":"idle","call":null,"drops":{"Malformed":0}}}""",
        """{"id":2,"ok":false,"error":{"code":"busy","message":"line busy"}}""",
        """{"event":"ring","data":{"peer_id":"ab","remote":"[::1]:5004","name":"Gate"}}""",
    ];

    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "null", "true", "false", "-", "0", "1e999",
        "\"id\"", "\"cmd\"", "\"args\"", "\"ok\"", "\"event\"", "\"data\"", "\"status\"", " ", "\t", "\r", "\0", "é", "\u2028",
    ];

    [Fact]
    public void Request_parser_never_throws_and_answers_bad_request()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        int parsed = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] line = NextLine(random, i);
            bool ok;
            ControlRequest? request;
            ControlReply? reply;
            try
            {
                ok = ControlRequestParser.TryParse(line, out request, out reply);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, iteration {i}: {e.GetType().Name}: {e.Message} on {Convert.ToHexString(line)}");
                return;
            }

            if (ok)
            {
                parsed++;
                Assert.Null(reply);
                Assert.True(request!.Id > 0, $"seed {seed}, iteration {i}");
                Assert.InRange(request.Cmd.Length, 1, ControlRequestParser.MaxCommandLength);
            }
            else
            {
                Assert.Null(request);
                Assert.False(reply!.Ok);
                Assert.Equal(ControlErrorCodes.BadRequest, reply.Error!.Code);
                Assert.True(reply.Id >= 0, $"seed {seed}, iteration {i}");
                // The reply must itself be a sendable line.
                Assert.Equal(ControlLines.NewLine, ControlLines.Encode(reply)[^1]);
            }
        }

        // The mutations keep a fair share valid, so both paths were exercised.
        Assert.InRange(parsed, 1, Iterations - 1);
    }

    [Fact]
    public void Client_parser_never_throws()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] line = NextLine(random, i);
            try
            {
                if (ControlServerMessage.TryParse(line, out var reply, out var evt, out _))
                {
                    Assert.True(reply is null != evt is null, $"seed {seed}, iteration {i}");
                }
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"seed {seed}, iteration {i}: {e.GetType().Name}: {e.Message} on {Convert.ToHexString(line)}");
            }
        }
    }

    private static byte[] NextLine(Random random, int iteration) => (iteration % 4) switch
    {
        0 => RandomBytes(random),
        1 => Encoding.UTF8.GetBytes(TokenSoup(random)),
        _ => Mutate(random, Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)])),
    };

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 64)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string TokenSoup(Random random)
    {
        var text = new StringBuilder();
        int count = random.Next(1, 24);
        for (int i = 0; i < count; i++)
        {
            text.Append(Fragments[random.Next(Fragments.Length)]);
        }

        return text.ToString();
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        int mutations = random.Next(0, 4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveAt(at);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
                    break;
                default:
                    int length = random.Next(1, Math.Min(16, bytes.Count - at) + 1);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
            }
        }

        return bytes.ToArray();
    }
}
