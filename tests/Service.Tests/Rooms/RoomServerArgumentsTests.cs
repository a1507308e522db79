using PicoTalk.Service.Daemon;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

public sealed class RoomServerArgumentsTests
{
    [Fact]
    public void RoomServerIsOffUnlessAskedAndDefaultsToPicoTalkPorts()
    {
        Assert.Null(DaemonArguments.Parse([]).RoomServerPorts);
        Assert.Equal(new RoomServerPorts(9999, 9999, 9998), DaemonArguments.Parse(["--room-server"]).RoomServerPorts);
        Assert.Equal(new RoomServerPorts(0, 0, 0), DaemonArguments.Parse(["--room-server", "--room-ports", "0,0,0"]).RoomServerPorts);
        Assert.Equal(new RoomServerPorts(7000, 7001, 7002), DaemonArguments.Parse(["--room-ports", "7000, 7001, 7002", "--room-server"]).RoomServerPorts);
    }

    [Theory]
    [InlineData("--room-server", "--room-ports", "1,2")]
    [InlineData("--room-server", "--room-ports", "1,2,70000")]
    [InlineData("--room-server", "--room-ports", "a,b,c")]
    [InlineData("--room-server", "--room-ports")]
    [InlineData("--room-ports", "1,2,3")]
    public void RefusesBadRoomPorts(params string[] args)
    {
        var e = Assert.Throws<ArgumentException>(() => DaemonArguments.Parse(args));
        Assert.Contains("--room-ports", e.Message, StringComparison.Ordinal);
    }
}
