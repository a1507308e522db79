using PicoTalk.Service.Systemd;
using PicoTalk.TestSupport;

namespace PicoTalk.Service.Tests.Systemd;

public sealed class SystemdNotifierTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public void Sends_sd_notify_datagrams_to_a_socket_path()
    {
        using var dir = new TempDirectory("picotalk-notify");
        using var manager = new NotifyListener(dir.File("notify"));
        using var notifier = new SystemdNotifier(manager.Name);

        Assert.True(notifier.IsEnabled);
        Assert.True(notifier.Ready("ready, UDP port 5004"));
        Assert.Equal("READY=1\nSTATUS=ready, UDP port 5004", manager.Receive(Wait));
        Assert.True(notifier.Watchdog());
        Assert.Equal("WATCHDOG=1", manager.Receive(Wait));
        Assert.True(notifier.Stopping());
        Assert.Equal("STOPPING=1", manager.Receive(Wait));
    }

    [Fact]
    public void Reaches_a_socket_in_the_abstract_namespace()
    {
        string name = $"@picotalk-test/notify/{Guid.NewGuid():N}";
        using var manager = new NotifyListener(name);
        // The listener is bound exactly as systemd binds an abstract socket: /proc/net/unix shows the
        // name with no trailing NUL bytes (each of those would print as one more '@'). A sender that
        // padded its address would then reach nobody, and the receive below would time out.
        Assert.Contains(File.ReadLines("/proc/net/unix"), line => line.EndsWith(" " + name, StringComparison.Ordinal));
        using var notifier = new SystemdNotifier(name);

        Assert.True(notifier.Ready("ok"));
        Assert.Equal("READY=1\nSTATUS=ok", manager.Receive(Wait));
        Assert.True(notifier.Watchdog());
        Assert.Equal("WATCHDOG=1", manager.Receive(Wait));
    }

    [Fact]
    public void Status_is_sent_only_when_it_changes_and_always_on_one_line()
    {
        using var dir = new TempDirectory("picotalk-notify");
        using var manager = new NotifyListener(dir.File("notify"));
        using var notifier = new SystemdNotifier(manager.Name);

        Assert.True(notifier.Status("starting"));
        Assert.False(notifier.Status("starting"));
        Assert.True(notifier.Status("degraded: no sound card"));
        // A newline would end the assignment and make the rest a bogus one (sd_notify(3)).
        Assert.True(notifier.Status("error:\nGPIO chip gone"));
        Assert.True(notifier.Ready("ready"));
        Assert.False(notifier.Status("ready"));
        Assert.True(notifier.Status("starting"));

        // Datagrams keep their order on one socket: had the repeats been sent, they would show here.
        Assert.Equal("STATUS=starting", manager.Receive(Wait));
        Assert.Equal("STATUS=degraded: no sound card", manager.Receive(Wait));
        Assert.Equal("STATUS=error: GPIO chip gone", manager.Receive(Wait));
        Assert.Equal("READY=1\nSTATUS=ready", manager.Receive(Wait));
        Assert.Equal("STATUS=starting", manager.Receive(Wait));
        Assert.Empty(manager.Drain());
        Assert.Equal("starting", notifier.LastStatus);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("@")]
    [InlineData("relative/notify")]
    [InlineData("vsock:2:1234")]
    public void Without_a_usable_NOTIFY_SOCKET_it_does_nothing(string? name)
    {
        using var notifier = new SystemdNotifier(name);
        Assert.False(notifier.IsEnabled);
        Assert.False(notifier.Ready("ready"));
        Assert.False(notifier.Watchdog());
        Assert.False(notifier.Stopping());
        Assert.False(notifier.Status("a"));
    }

    [Fact]
    public void A_path_too_long_for_sun_path_disables_it()
    {
        Assert.Null(SystemdNotifier.ParseSocketName("/" + new string('x', 200)));
    }

    [Fact]
    public void A_manager_that_is_gone_costs_a_false_never_an_exception()
    {
        using var dir = new TempDirectory("picotalk-notify");
        string path = dir.File("notify");
        using (new NotifyListener(path))
        {
        }

        // The file is left behind by the closed socket (ECONNREFUSED); then removed (ENOENT).
        using var notifier = new SystemdNotifier(path);
        Assert.True(notifier.IsEnabled);
        Assert.False(notifier.Watchdog());
        File.Delete(path);
        Assert.False(notifier.Ready("ready"));
    }
}
