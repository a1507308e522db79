namespace PicoTalk.Service.Loop;

/// <summary>
/// A <see cref="TimeProvider"/> whose timers call back on the event loop: Hal's button and LED logic
/// take a TimeProvider (STYLE.md 7, 8) and know nothing of the loop, yet their callbacks change the
/// daemon's state, which only the loop may do (STYLE.md 6). Clock readings are the loop's clock, so a
/// test's fake clock drives them too.
/// </summary>
public sealed class LoopTimeProvider(EventLoop loop) : TimeProvider
{
    public override long GetTimestamp() => loop.Time.GetTimestamp();

    public override long TimestampFrequency => loop.Time.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => loop.Time.GetUtcNow();

    public override TimeZoneInfo LocalTimeZone => loop.Time.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        loop.CreateTimer(() => callback(state), dueTime, period);
}
