using PicoTalk.Protocol.Control;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Daemon;

/// <summary>The appliance's room client (issue 7, appliance side), created on first use on the event loop.</summary>
public sealed partial class PicoTalkDaemon
{
    private RoomController? _roomClient;

    /// <summary>The one room this appliance is in (or not); events go to the control socket's subscribers.</summary>
    internal RoomController RoomClient
    {
        get
        {
            _loop.AssertOnLoop();
            return _roomClient ??= new RoomController(_loop, Settings.StateDirectory, Settings.AudioIn, Settings.AudioOut,
                Settings.Config.Audio.FrameMs, OnRoomEvent, _log.Info, FindRoom);
        }
    }

    /// <summary>On the loop: a room event for the control socket's subscribers; joining or leaving also changes the call LED.</summary>
    private void OnRoomEvent(ControlEvent e)
    {
        Events.Server?.Publish(e);
        if (e.Event == RoomsNames.RoomEvent)
        {
            Appliance.RoomChanged();
        }
    }

    /// <summary>On the loop: the appliance is in a room now.</summary>
    internal bool InRoom => _roomClient?.InRoom == true;

    /// <summary>For <see cref="DisposeAsync"/>, before the loop stops: leaves the room and closes its audio devices.</summary>
    private async Task CloseRoomClientAsync()
    {
        if (_roomClient is { } rooms)
        {
            await (await _loop.InvokeAsync(rooms.CloseAsync).ConfigureAwait(false)).ConfigureAwait(false);
        }
    }
}
