using System.Text.Json;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Config;
using PicoTalk.Service.Daemon;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Tests.Config;

/// <summary>The <c>contacts</c> control command over requests and replies, with a real ContactBook on a temp dir.</summary>
public sealed class ContactsCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const string IdA = "0123456789abcdef0123456789abcdef01234567";

    private readonly string _dir = Directory.CreateTempSubdirectory("picotalk-contacts-cmd-").FullName;
    private readonly EventLoop _loop = new(TimeProvider.System, e => throw e);
    private readonly ContactBook _book;
    private long _nextId = 1;

    public ContactsCommandTests()
    {
        _loop.Start();
        string path = Path.Combine(_dir, ConfigStore.FileName);
        _book = new ContactBook(_loop, path, ConfigStore.LoadOrCreate(path).Contacts, _ => { });
    }

    public void Dispose()
    {
        _loop.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<ControlReply> Send(string? argsJson)
    {
        var request = new ControlRequest(_nextId++, ControlCommands.Contacts,
            argsJson is null ? null : JsonDocument.Parse(argsJson).RootElement.Clone());
        return ContactsCommand.HandleAsync(_loop, _book, request).WaitAsync(Timeout);
    }

    private static string Result(ControlReply reply)
    {
        Assert.True(reply.Ok, reply.Error?.Message);
        return reply.Result!.Value.GetRawText();
    }

    [Fact]
    public async Task List_is_the_default_and_add_and_remove_reply_with_the_list_after_them()
    {
        Assert.Equal("""{"contacts":[]}""", Result(await Send(null)));

        string added = Result(await Send($$"""{"op":"add","name":"Gate","id":"{{IdA.ToUpperInvariant()}}","auto_answer":true,"may_open_door":true}"""));
        string expected = $$"""{"contacts":[{"name":"Gate","id":"{{IdA}}","auto_answer":true,"may_open_door":true}]}""";
        Assert.Equal(expected, added);
        Assert.Equal(expected, Result(await Send("""{"op":"list"}""")));
        Assert.Equal(expected, Result(await Send("{}")));

        Assert.Equal("""{"contacts":[]}""", Result(await Send("""{"op":"remove","name":"gate"}""")));
        Assert.Equal("""{"contacts":[]}""", Result(await Send(null)));
    }

    [Theory]
    [InlineData("""{"op":"add","name":"Gate","id":"12345"}""", ControlErrorCodes.InvalidArgument, "id: must be 40 hex digits")]
    [InlineData("""{"op":"add","name":"Gate"}""", ControlErrorCodes.InvalidArgument, "id: ")]
    [InlineData("""{"op":"add","id":"0123456789abcdef0123456789abcdef01234567"}""", ControlErrorCodes.InvalidArgument, "name: ")]
    [InlineData("""{"op":"add","name":"","id":"0123456789abcdef0123456789abcdef01234567"}""", ControlErrorCodes.InvalidArgument, "name: must be 1 to 64 bytes")]
    [InlineData("""{"op":"remove"}""", ControlErrorCodes.InvalidArgument, "name: ")]
    [InlineData("""{"op":"remove","name":"Nobody"}""", ControlErrorCodes.NotFound, "name: no contact is named 'Nobody'")]
    [InlineData("""{"op":"rename"}""", ControlErrorCodes.InvalidArgument, "name: rename needs")]
    [InlineData("""{"op":"merge"}""", ControlErrorCodes.InvalidArgument, "op: 'merge' is not list, add, remove, rename or update")]
    [InlineData("""{"op":"add","name":"Gate","id":"0123456789abcdef0123456789abcdef01234567","auto_answer":"yes"}""", ControlErrorCodes.InvalidArgument, "bad args")]
    [InlineData("\"list\"", ControlErrorCodes.InvalidArgument, "'contacts' needs an args object")]
    public async Task A_bad_request_is_refused_naming_the_field(string args, string code, string message)
    {
        var reply = await Send(args);
        Assert.False(reply.Ok);
        Assert.Equal(code, reply.Error!.Code);
        Assert.StartsWith(message, reply.Error.Message);
        Assert.Equal("""{"contacts":[]}""", Result(await Send(null)));
    }
}
