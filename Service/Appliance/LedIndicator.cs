using PicoTalk.Hal.Gpio;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Appliance;

/// <summary>
/// What the two LEDs show (issue 5): the status LED blinks slowly while starting or without network,
/// is on when ready and reachable, blinks fast on an error; the call LED blinks fast for a call ringing
/// in, slowly for one ringing out (or connecting), is on in a call or in a room (a room is a
/// conversation too: the speaker is the room's and a caller hears busy) and flashes while talking
/// with push-to-talk held, in a call or in a room. Pure functions of the state, so the table is tested without a clock.
/// </summary>
public static class LedIndicator
{
    public static LedPattern Status(DeviceState device) => device switch
    {
        DeviceState.Starting or DeviceState.Degraded => LedPattern.SlowBlink,
        DeviceState.Ready => LedPattern.On,
        DeviceState.Error => LedPattern.FastBlink,
        _ => throw new ArgumentOutOfRangeException(nameof(device), device, null),
    };

    public static LedPattern Call(CallState call, bool talking, bool inRoom = false) => call switch
    {
        CallState.RingingIn => LedPattern.FastBlink,
        CallState.Connecting or CallState.RingingOut => LedPattern.SlowBlink,
        CallState.InCall => talking ? LedPattern.Flash : LedPattern.On,
        CallState.Idle => talking ? LedPattern.Flash : inRoom ? LedPattern.On : LedPattern.Off, // talking without a call: in a room
        CallState.Ending => LedPattern.Off,
        _ => throw new ArgumentOutOfRangeException(nameof(call), call, null),
    };

    public static string WireName(this LedPattern pattern) => pattern switch
    {
        LedPattern.Off => "off",
        LedPattern.On => "on",
        LedPattern.SlowBlink => "slow_blink",
        LedPattern.FastBlink => "fast_blink",
        LedPattern.Flash => "flash",
        _ => throw new ArgumentOutOfRangeException(nameof(pattern), pattern, null),
    };
}
