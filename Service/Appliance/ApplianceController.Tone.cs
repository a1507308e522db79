using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Appliance;

public sealed partial class ApplianceController
{
    private ITimer? _testToneTimer;

    /// <summary>
    /// Plays the 1 kHz test tone for <paramref name="duration"/> (the web page's speaker check), then
    /// stops it with a loop timer. Refused while a call is under way: the tone would take the sound
    /// card from the call, or be cut by it. A ring arriving meanwhile replaces the tone. On the loop.
    /// </summary>
    public CallCommandResult PlayTestTone(TimeSpan duration)
    {
        _loop.AssertOnLoop();
        if (_calls.State != CallState.Idle)
        {
            return CallCommandResult.Refused($"no test tone during a call (state {_calls.State.WireName()})");
        }

        _testToneTimer?.Dispose();
        _tones.Play(Tone.Test);
        _testToneTimer = _loop.CreateTimer(() =>
        {
            _testToneTimer?.Dispose();
            _testToneTimer = null;
            if (_tones.Playing == Tone.Test)
            {
                _tones.Stop();
                StatusChanged?.Invoke();
            }
        }, duration, Timeout.InfiniteTimeSpan);
        StatusChanged?.Invoke();
        return CallCommandResult.Ok;
    }
}
