namespace PicoTalk.Hal.Audio.Dsp;

/// <summary>
/// Carries what the speaker played from the playback thread to the capture thread, where the echo
/// canceller pairs each captured period with a played one (the synchronous form of speex_echo.h).
/// </summary>
/// <remarks>
/// The two threads run on two device clocks, so the pairing is a small FIFO, as speexdsp's own
/// speex_echo_playback/speex_echo_capture keep one: the capture side takes the oldest played period.
/// Each played period is heard after the sound card's buffer and the room, and each captured period
/// is a period old when read, so the reference leads its echo by a few periods, well inside the
/// canceller's tail. The FIFO holds at most <see cref="MaxQueuedPeriods"/>: beyond that (capture
/// stalled) the oldest is dropped, and when it is empty (the speaker stalled or is not started) the
/// capture side gets silence; both are counted, since either moves the echo within the tail and the
/// filter has to adapt again. Nothing is allocated per period; one lock, held for a copy.
/// </remarks>
public sealed class PlaybackReference
{
    /// <summary>Most periods queued: 3, 60 ms at 20 ms periods, so the reference stays inside a 128 ms tail.</summary>
    public const int MaxQueuedPeriods = 3;

    private readonly Lock _gate = new();
    private readonly short[][] _ring;
    private int _head;
    private int _count;

    public PlaybackReference(int frameSamples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameSamples, 1);
        FrameSamples = frameSamples;
        _ring = new short[MaxQueuedPeriods][];
        for (int i = 0; i < _ring.Length; i++)
        {
            _ring[i] = new short[frameSamples];
        }
    }

    public int FrameSamples { get; }

    /// <summary>Played periods dropped because the capture side did not take them in time.</summary>
    public long Dropped { get; private set; }

    /// <summary>Captured periods paired with silence because nothing had been played.</summary>
    public long Starved { get; private set; }

    /// <summary>Playback thread: the period just handed to the speaker.</summary>
    public void Push(ReadOnlySpan<short> played)
    {
        if (played.Length != FrameSamples)
        {
            throw new ArgumentException($"a period is {FrameSamples} samples, got {played.Length}", nameof(played));
        }

        lock (_gate)
        {
            if (_count == _ring.Length)
            {
                _head = (_head + 1) % _ring.Length;
                _count--;
                Dropped++;
            }

            played.CopyTo(_ring[(_head + _count) % _ring.Length]);
            _count++;
        }
    }

    /// <summary>Capture thread: the oldest played period not yet taken, or silence.</summary>
    public void Take(Span<short> into)
    {
        if (into.Length != FrameSamples)
        {
            throw new ArgumentException($"a period is {FrameSamples} samples, got {into.Length}", nameof(into));
        }

        lock (_gate)
        {
            if (_count == 0)
            {
                into.Clear();
                Starved++;
                return;
            }

            _ring[_head].CopyTo(into);
            _head = (_head + 1) % _ring.Length;
            _count--;
        }
    }
}
