using System.Text;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Protocol.Tests.Control;

public sealed class ControlRequestParserTests
{
    [Fact]
    public void Reads_id_cmd_and_args()
    {
        var request = Parse("""{"id":42,"cmd":"dial","args":{"to":"10.0.0.2:5004"}}""");
        Assert.Equal(42, request.Id);
        Assert.Equal(ControlCommands.Dial, request.Cmd);
        Assert.True(request.TryReadArgs(ControlJsonContext.Default.DialArgs, out var args, out _));
        Assert.Equal("10.0.0.2:5004", args!.To);
    }

    [Theory]
    [InlineData("""{"id":1,"cmd":"status"}""")]
    [InlineData("""{"id":1,"cmd":"status","args":null}""")]
    [InlineData("""  {"cmd":"status","id":1,"future":[1,2,3]} """)]
    [InlineData("{\"id\":1,\"cmd\":\"status\"}\r")]
    public void Accepts_requests_without_args_and_ignores_unknown_keys(string line)
    {
        var request = Parse(line);
        Assert.Equal(new ControlRequest(1, ControlCommands.Status), request);
    }

    [Fact]
    public void Args_outlive_the_parsed_line()
    {
        byte[] line = Encoding.UTF8.GetBytes("""{"id":1,"cmd":"dial","args":{"to":"a"}}""");
        Assert.True(ControlRequestParser.TryParse(line, out var request, out _));
        Array.Clear(line);
        Assert.Equal("a", request!.Args!.Value.GetProperty("to").GetString());
    }

    [Theory]
    [InlineData("", "not a JSON object")]
    [InlineData("   ", "not a JSON object")]
    [InlineData("not json", "not a JSON object")]
    [InlineData("""{"id":1,"cmd":"status"} {}""", "not a JSON object")]
    [InlineData("""{"id":1,"cmd":"status",}""", "not a JSON object")]
    [InlineData("[1,2]", "a request is a JSON object")]
    [InlineData("""{"cmd":"status"}""", "missing id")]
    [InlineData("""{"id":0,"cmd":"status"}""", "positive integer")]
    [InlineData("""{"id":-3,"cmd":"status"}""", "positive integer")]
    [InlineData("""{"id":1.5,"cmd":"status"}""", "positive integer")]
    [InlineData("""{"id":"1","cmd":"status"}""", "positive integer")]
    [InlineData("""{"id":1e400,"cmd":"status"}""", "positive integer")]
    [InlineData("""{"id":99999999999999999999,"cmd":"status"}""", "positive integer")]
    public void Rejects_lines_without_a_readable_id_with_id_0(string line, string message)
    {
        var reply = ParseFailure(line);
        Assert.Equal(ControlLimits.UnknownId, reply.Id);
        Assert.Contains(message, reply.Error!.Message);
    }

    [Theory]
    [InlineData("""{"id":9}""", "missing cmd")]
    [InlineData("""{"id":9,"cmd":7}""", "missing cmd")]
    [InlineData("""{"id":9,"cmd":""}""", "cmd must be")]
    [InlineData("""{"id":9,"cmd":"Status"}""", "cmd must be")]
    [InlineData("""{"id":9,"cmd":"dial now"}""", "cmd must be")]
    [InlineData("""{"id":9,"cmd":"status","args":"to"}""", "args must be an object")]
    [InlineData("""{"id":9,"cmd":"status","args":[1]}""", "args must be an object")]
    public void Rejects_bad_cmd_or_args_with_the_request_id(string line, string message)
    {
        var reply = ParseFailure(line);
        Assert.Equal(9, reply.Id);
        Assert.Contains(message, reply.Error!.Message);
    }

    [Fact]
    public void Rejects_an_overlong_command_name()
    {
        string cmd = new('a', ControlRequestParser.MaxCommandLength + 1);
        Assert.Contains("cmd must be", ParseFailure($$$"""{"id":1,"cmd":"{{{cmd}}}"}""").Error!.Message);
        Assert.Equal(cmd[1..], Parse($$$"""{"id":1,"cmd":"{{{cmd[1..]}}}"}""").Cmd);
    }

    [Fact]
    public void Rejects_a_line_over_64_KiB_and_accepts_one_at_the_limit()
    {
        string Padded(int length)
        {
            string head = """{"id":1,"cmd":"status","pad":" """;
            return head + new string('x', length - head.Length - 2) + "\"}";
        }

        Assert.Equal(ControlLimits.MaxLineBytes, Padded(ControlLimits.MaxLineBytes).Length);
        Assert.Equal(ControlCommands.Status, Parse(Padded(ControlLimits.MaxLineBytes)).Cmd);
        Assert.Contains("longer than", ParseFailure(Padded(ControlLimits.MaxLineBytes + 1)).Error!.Message);
    }

    [Fact]
    public void Rejects_deep_nesting()
    {
        string deep = new string('[', 200) + new string(']', 200);
        ParseFailure($$$"""{"id":1,"cmd":"status","args":{"x":{{{deep}}}}}""");
    }

    [Fact]
    public void Rejects_invalid_utf8()
    {
        byte[] line = [.. Encoding.UTF8.GetBytes("""{"id":1,"cmd":"st"""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")];
        Assert.False(ControlRequestParser.TryParse(line, out _, out var reply));
        Assert.Equal(ControlErrorCodes.BadRequest, reply!.Error!.Code);
    }

    [Theory]
    [InlineData("""{"id":1,"cmd":"st\ud800"}""")]
    [InlineData("""{"id":1,"\ud800x":1,"cmd":"status"}""")]
    public void Rejects_strings_that_do_not_decode(string line)
    {
        Assert.False(ControlRequestParser.TryParse(Encoding.UTF8.GetBytes(line), out _, out var reply));
        Assert.Equal(ControlErrorCodes.BadRequest, reply!.Error!.Code);
    }

    [Fact]
    public void Args_with_a_lone_surrogate_are_an_invalid_argument_problem()
    {
        var request = Parse("""{"id":1,"cmd":"dial","args":{"to":"\udc00"}}""");
        Assert.False(request.TryReadArgs(ControlJsonContext.Default.DialArgs, out _, out string problem));
        Assert.Contains("bad args", problem);
    }

    [Fact]
    public void Args_of_the_wrong_shape_are_an_invalid_argument_problem_not_an_exception()
    {
        var request = Parse("""{"id":1,"cmd":"dial","args":{"to":5}}""");
        Assert.False(request.TryReadArgs(ControlJsonContext.Default.DialArgs, out _, out string problem));
        Assert.Contains("dial", problem);
        var none = Parse("""{"id":1,"cmd":"dial"}""");
        Assert.False(none.TryReadArgs(ControlJsonContext.Default.DialArgs, out _, out problem));
        Assert.Contains("needs an args object", problem);
    }

    private static ControlRequest Parse(string line)
    {
        Assert.True(ControlRequestParser.TryParse(Encoding.UTF8.GetBytes(line), out var request, out var bad), bad?.Error?.Message);
        Assert.Null(bad);
        return request!;
    }

    private static ControlReply ParseFailure(string line)
    {
        Assert.False(ControlRequestParser.TryParse(Encoding.UTF8.GetBytes(line), out var request, out var reply));
        Assert.Null(request);
        Assert.False(reply!.Ok);
        Assert.Equal(ControlErrorCodes.BadRequest, reply.Error!.Code);
        return reply;
    }
}
