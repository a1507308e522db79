using PicoTalk.Service.Daemon;

namespace PicoTalk.Service.Tests.Daemon;

public sealed class DaemonArgumentsTests
{
    [Fact]
    public void Parses_every_option_of_the_contract()
    {
        var a = DaemonArguments.Parse([
            "--state-dir", "/s", "--config", "/c.json", "--port", "0", "--bind", "127.0.0.1", "--control", "/r/c.sock",
            "--bootstrap", "a:1, b:2", "--no-lan-discovery", "--audio-in", "wav:in.wav", "--audio-out", "null", "--gpio", "sim",
        ]);
        Assert.Equal("/s", a.StateDirectory);
        Assert.Equal("/c.json", a.ConfigFile);
        Assert.Equal(0, a.Port);
        Assert.Equal("127.0.0.1", a.Bind);
        Assert.Equal("/r/c.sock", a.ControlPath);
        Assert.Equal(["a:1", "b:2"], a.Bootstrap);
        Assert.True(a.NoLanDiscovery);
        Assert.Equal("wav:in.wav", a.AudioIn);
        Assert.Equal("null", a.AudioOut);
        Assert.Equal("sim", a.Gpio);
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "-1")]
    [InlineData("--frobnicate")]
    [InlineData("--state-dir")]
    [InlineData("--nat-keepalive", "0")]
    [InlineData("--nat-keepalive", "soon")]
    public void Refuses_bad_usage_naming_the_option(params string[] args)
    {
        var e = Assert.Throws<ArgumentException>(() => DaemonArguments.Parse(args));
        Assert.Contains(args[0], e.Message);
    }

    [Fact]
    public void Nat_options_reach_the_config()
    {
        var a = DaemonArguments.Parse(["--no-hole-punching", "--nat-keepalive", "5"]);
        Assert.True(a.NoHolePunching);
        Assert.Equal(5, a.NatKeepaliveSeconds);
        Assert.False(DaemonArguments.Parse([]).NoHolePunching);
        Assert.Null(DaemonArguments.Parse([]).NatKeepaliveSeconds);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3601)]
    public void A_keepalive_interval_out_of_range_is_refused_by_name(int seconds)
    {
        var config = new PicoTalk.Service.Config.DaemonConfig();
        config.Dht.KeepaliveSeconds = seconds;
        Assert.Contains(config.Validate(), e => e.Key == "dht.keepalive_seconds");
    }
}
