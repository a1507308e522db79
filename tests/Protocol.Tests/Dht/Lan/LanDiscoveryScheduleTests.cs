using PicoTalk.Protocol.Dht.Lan;
using PicoTalk.Protocol.Identity;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Dht.Lan;

/// <summary>When <see cref="LanDiscovery"/> asks for announces, and what it writes.</summary>
public sealed class LanDiscoveryScheduleTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Announces_at_0_1_3_seconds_then_every_5_minutes()
    {
        using var discovery = new LanDiscovery(_time, NodeId.Random(), 5004, "c0ffee");
        long start = _time.GetTimestamp();
        var at = new List<TimeSpan>();
        discovery.Start(() => at.Add(_time.GetElapsedTime(start)));

        _time.AdvanceInSteps(TimeSpan.FromMinutes(16), TimeSpan.FromMilliseconds(250));

        Assert.Equal(
            new[] { 0.0, 1, 3, 300, 600, 900 },
            at.Select(t => t.TotalSeconds).ToArray());
        Assert.Equal(6, discovery.Counters.AnnouncesDue);
    }

    [Fact]
    public void The_first_announce_is_due_at_once_and_the_second_not_before_one_second()
    {
        using var discovery = new LanDiscovery(_time, NodeId.Random(), 5004, "c0ffee");
        int count = 0;
        discovery.Start(() => count++);
        _time.Advance(TimeSpan.Zero);
        Assert.Equal(1, count);
        _time.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.Equal(1, count);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, count);
    }

    [Fact]
    public void Follows_a_custom_schedule()
    {
        var limits = new LanDiscoveryLimits { StartBurst = [TimeSpan.FromSeconds(2)], AnnounceInterval = TimeSpan.FromSeconds(10) };
        using var discovery = new LanDiscovery(_time, NodeId.Random(), 5004, "c0ffee", limits);
        long start = _time.GetTimestamp();
        var at = new List<double>();
        discovery.Start(() => at.Add(_time.GetElapsedTime(start).TotalSeconds));
        _time.AdvanceInSteps(TimeSpan.FromSeconds(35), TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { 2.0, 10, 20, 30 }, at.ToArray());
    }

    [Fact]
    public void Dispose_stops_the_schedule_and_releases_the_timer()
    {
        int timersBefore = _time.ActiveTimerCount;
        var discovery = new LanDiscovery(_time, NodeId.Random(), 5004, "c0ffee");
        int count = 0;
        discovery.Start(() => count++);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, count);
        Assert.Equal(timersBefore + 1, _time.ActiveTimerCount);

        discovery.Dispose();
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, count);
        Assert.Equal(timersBefore, _time.ActiveTimerCount);
        Assert.Throws<ObjectDisposedException>(() => discovery.Start(() => { }));
    }

    [Fact]
    public void Start_is_once_only()
    {
        using var discovery = new LanDiscovery(_time, NodeId.Random(), 5004, "c0ffee");
        discovery.Start(() => { });
        Assert.Throws<InvalidOperationException>(() => discovery.Start(() => { }));
    }

    [Fact]
    public void Writes_an_announce_of_our_port_infohash_cookie_and_id_for_each_group()
    {
        var self = NodeId.Random();
        using var discovery = new LanDiscovery(_time, self, 40123, "c0ffee");
        var buffer = new byte[LsdSpec.MaxDatagram];
        foreach (string host in new[] { LsdSpec.IPv4Host, LsdSpec.IPv6Host })
        {
            int written = discovery.WriteAnnounce(host, buffer);
            Assert.True(LsdMessage.TryRead(buffer.AsSpan(0, written), out var message));
            Assert.Equal(new LsdMessage(host, 40123, [LsdPicoTalk.Infohash], "c0ffee", self), message);
        }
    }

    [Fact]
    public void New_cookies_are_16_hex_digits_and_differ()
    {
        string a = LanDiscovery.NewCookie();
        string b = LanDiscovery.NewCookie();
        Assert.Matches("^[0-9a-f]{16}$", a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Refuses_bad_arguments_with_clear_errors()
    {
        var id = NodeId.Random();
        Assert.Throws<ArgumentOutOfRangeException>(() => new LanDiscovery(_time, id, 0, "c"));
        Assert.Throws<ArgumentException>(() => new LanDiscovery(_time, id, 1, "two words"));
        Assert.Throws<ArgumentException>(() => new LanDiscovery(_time, id, 1, "c", new LanDiscoveryLimits { StartBurst = [] }));
        Assert.Throws<ArgumentException>(() => new LanDiscovery(_time, id, 1, "c",
            new LanDiscoveryLimits { StartBurst = [TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1)] }));
        Assert.Throws<ArgumentException>(() => new LanDiscovery(_time, id, 1, "c", new LanDiscoveryLimits { MaxSources = 0 }));
    }
}
