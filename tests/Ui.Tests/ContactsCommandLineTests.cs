using System.Text.Json;
using PicoTalk.Protocol.Control;

namespace PicoTalk.Ui.Tests;

/// <summary><c>picotalk contacts [add NAME ID [--auto-answer] [--door]|remove NAME]</c> against the fake daemon.</summary>
public sealed class ContactsCommandLineTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly FakeDaemon _daemon = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    private static readonly ContactsResult Two = new(
    [
        new ContactEntry("Gate", FakeDaemon.PeerId, AutoAnswer: true, MayOpenDoor: true),
        new ContactEntry("Kitchen upstairs", FakeDaemon.OwnId, AutoAnswer: false, MayOpenDoor: false),
    ]);

    public Task InitializeAsync()
    {
        _daemon.Replies[ControlCommands.Contacts] = r => ControlReply.Success(r.Id, Two, ControlJsonContext.Default.ContactsResult);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    private Task<int> RunAsync(params string[] args) =>
        new PicotalkCommandLine(_stdout, _stderr, _ => null).RunAsync(["--control", _daemon.SocketPath, .. args]).WaitAsync(Timeout);

    private string SentArgs() => Assert.Single(_daemon.Requests).Args!.Value.GetRawText();

    [Fact]
    public async Task Contacts_lists_one_line_per_contact()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("contacts"));
        Assert.Equal(
            $"""
            Gate              {FakeDaemon.PeerId}  auto-answer, opens the door
            Kitchen upstairs  {FakeDaemon.OwnId}

            """.ReplaceLineEndings("\n"),
            _stdout.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("""{"op":"list"}""", SentArgs());
    }

    [Fact]
    public async Task An_empty_list_says_none_and_json_prints_the_result()
    {
        _daemon.Replies[ControlCommands.Contacts] = r => ControlReply.Success(r.Id, new ContactsResult([]), ControlJsonContext.Default.ContactsResult);
        Assert.Equal(ExitCodes.Ok, await RunAsync("contacts"));
        Assert.Equal("contacts: none\n", _stdout.ToString().ReplaceLineEndings("\n"));
        _stdout.GetStringBuilder().Clear();
        Assert.Equal(ExitCodes.Ok, await RunAsync("contacts", "--json"));
        Assert.Equal("""{"contacts":[]}""" + "\n", _stdout.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(new[] { "contacts", "add", "Gate", FakeDaemon.PeerId }, $$"""{"op":"add","name":"Gate","id":"{{FakeDaemon.PeerId}}"}""")]
    [InlineData(new[] { "contacts", "--door", "add", "Front door", FakeDaemon.PeerId, "--auto-answer" }, $$"""{"op":"add","name":"Front door","id":"{{FakeDaemon.PeerId}}","auto_answer":true,"may_open_door":true}""")]
    [InlineData(new[] { "contacts", "add", "Gate", FakeDaemon.PeerId, "--door" }, $$"""{"op":"add","name":"Gate","id":"{{FakeDaemon.PeerId}}","may_open_door":true}""")]
    [InlineData(new[] { "contacts", "remove", "Gate" }, """{"op":"remove","name":"Gate"}""")]
    [InlineData(new[] { "contacts", "remove", "--", "--door" }, """{"op":"remove","name":"--door"}""")]
    public async Task Add_and_remove_send_the_op_and_print_the_list_after_it(string[] args, string sent)
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync(args));
        Assert.Equal(sent, SentArgs());
        Assert.StartsWith("Gate ", _stdout.ToString());
    }

    [Fact]
    public async Task The_daemons_refusal_is_printed_with_its_field_and_exits_1()
    {
        _daemon.Replies[ControlCommands.Contacts] = r =>
            ControlReply.Failure(r.Id, ControlErrorCodes.InvalidArgument, "id: must be 40 hex digits");
        Assert.Equal(ExitCodes.DaemonRefused, await RunAsync("contacts", "add", "Gate", "12345"));
        Assert.Equal("error: invalid_argument: id: must be 40 hex digits\n", _stderr.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("", _stdout.ToString());
    }

    [Theory]
    [InlineData(new[] { "contacts", "add", "Gate" }, "'contacts' takes no arguments, 'add NAME ID [--auto-answer] [--door]' or 'remove NAME'")]
    [InlineData(new[] { "contacts", "add", "Gate", "id", "extra" }, "'contacts' takes no arguments")]
    [InlineData(new[] { "contacts", "remove" }, "'contacts' takes no arguments")]
    [InlineData(new[] { "contacts", "list" }, "'contacts' takes no arguments")]
    [InlineData(new[] { "contacts", "remove", "Gate", "--door" }, "--auto-answer and --door are for 'contacts add'")]
    [InlineData(new[] { "contacts", "--auto-answer" }, "--auto-answer and --door are for 'contacts add'")]
    [InlineData(new[] { "status", "--door" }, "--door is for 'contacts add'")]
    [InlineData(new[] { "dial", "Gate", "--auto-answer" }, "--auto-answer is for 'contacts add'")]
    public async Task Bad_usage_exits_2_without_contacting_the_daemon(string[] args, string message)
    {
        Assert.Equal(ExitCodes.UsageOrNoDaemon, await RunAsync(args));
        Assert.Contains($"picotalk: {message}", _stderr.ToString());
        Assert.Empty(_daemon.Requests);
    }

    [Fact]
    public void The_args_the_cli_sends_read_back_as_the_daemon_reads_them()
    {
        var args = JsonSerializer.SerializeToElement(new ContactsArgs(ContactOps.Add, "Gate", FakeDaemon.PeerId, true, false), ControlJsonContext.Default.ContactsArgs);
        var request = new ControlRequest(1, ControlCommands.Contacts, args);
        Assert.True(request.TryReadArgs(ControlJsonContext.Default.ContactsArgs, out var read, out _));
        Assert.Equal(new ContactsArgs(ContactOps.Add, "Gate", FakeDaemon.PeerId, true, false), read);
    }
}
