using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// "picotalk_ext" (RoomExtensions): our server tells a client of ours which extensions it serves and
/// tells a PicoTalk-speaking client nothing; both are members of one room all the same.
/// </summary>
public sealed class RoomExtensionNegotiationTests
{
    [Fact]
    public async Task Our_client_learns_our_servers_extensions_and_a_plain_client_shares_the_room()
    {
        await using var harness = new RoomTestHarness();
        var ours = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, "lobby", "pw", "ours"));
        var plain = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, "lobby", "pw", "plain") with { Extensions = RoomExtensions.None });
        var partial = await harness.JoinAsync(harness.Options(RoomTransport.Tcp, "lobby", "pw", "partial") with { Extensions = RoomExtensions.KeyRotation });

        Assert.Equal(RoomExtensions.All, ours.ServerExtensions);
        Assert.Equal(RoomExtensions.None, plain.ServerExtensions);
        Assert.Equal(RoomExtensions.KeyRotation, partial.ServerExtensions);
        foreach (var member in new[] { ours, plain, partial })
        {
            Assert.Equal(RoomClientState.Authenticated, await member.Settled.WaitAsync(RoomTestHarness.Deadline));
        }
    }
}
