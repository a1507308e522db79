using PicoTalk.Hal.Audio;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// The appliance's audio while in a room: the configured input (48 kHz periods) resampled to the
/// room's 16 kHz and cut into 512-sample frames for <see cref="RoomClientSession.SendAudio"/> while
/// <c>talking</c> says so; each received mix resampled to 48 kHz and played on the configured output
/// (the same device calls use). A device that cannot be opened is replaced by silence / nothing and
/// logged, so a room still carries chat and the other direction.
/// </summary>
/// <remarks>
/// Threads: one capture thread (blocked in <see cref="IAudioSource.Read"/>, paced by the device),
/// one playback thread (blocked in <see cref="IAudioSink.Write"/>), and the session's reader, which
/// hands mixes to a bounded buffer under <c>_gate</c>. Nothing allocates per frame.
/// </remarks>
public sealed class RoomAudio : IDisposable
{
    /// <summary>Our choice: at most 4 mixes (128 ms) wait for the output; older audio is dropped to keep latency bounded.</summary>
    private const int MaxQueuedSamples = 4 * AudioKeystream.SamplesPerFrame * Resampler.Factor;

    private readonly RoomClientSession _session;
    private readonly Func<bool> _talking;
    private readonly IAudioSource? _source;
    private readonly IAudioSink? _sink;
    private readonly object _gate = new();
    private readonly short[] _queue = new short[MaxQueuedSamples];
    private readonly short[] _upsampled = new short[AudioKeystream.SamplesPerFrame * Resampler.Factor];
    private readonly Resampler _up = Resampler.Up();
    private readonly List<Thread> _threads = [];
    private int _head;
    private int _count;
    private long _framesSent;
    private long _mixesQueued;
    private volatile bool _stopping;

    public RoomAudio(RoomClientSession session, AudioDeviceSpec input, AudioDeviceSpec output, int frameMs, TimeProvider time, Func<bool> talking, Action<string> log)
    {
        _session = session;
        _talking = talking;
        _source = Open(() => AudioDevices.OpenSource(input, frameMs, time), $"input {input}", log);
        _sink = Open(() => AudioDevices.OpenSink(output, frameMs, time), $"output {output}", log);
    }

    /// <summary>Frames handed to the session while talking (test figure).</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Mixes queued for the output (test figure).</summary>
    public long MixesQueued => Interlocked.Read(ref _mixesQueued);

    public void Start()
    {
        _session.AudioReceived += OnMix;
        if (_source is not null)
        {
            _threads.Add(new Thread(() => Capture(_source)) { IsBackground = true, Name = "room capture" });
        }

        if (_sink is not null)
        {
            _threads.Add(new Thread(() => Play(_sink)) { IsBackground = true, Name = "room playback" });
        }

        _threads.ForEach(t => t.Start());
    }

    private static T? Open<T>(Func<T> open, string what, Action<string> log)
        where T : class
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            log($"rooms: cannot open audio {what} ({e.Message}); using none");
            return null;
        }
    }

    private void Capture(IAudioSource source)
    {
        var period = new short[source.FrameSamples];
        var resampled = new short[(source.FrameSamples / Resampler.Factor) + 1];
        var frame = new short[AudioKeystream.SamplesPerFrame];
        var down = Resampler.Down();
        int filled = 0;
        while (!_stopping && source.Read(period))
        {
            int n = down.Process(period, resampled);
            for (int i = 0; i < n; i++)
            {
                frame[filled++] = resampled[i];
                if (filled == frame.Length)
                {
                    filled = 0;
                    if (_talking() && _session.SendAudio(frame))
                    {
                        Interlocked.Increment(ref _framesSent);
                    }
                }
            }
        }
    }

    /// <summary>On the session's reader: upsample one 512-sample mix into the playback queue.</summary>
    private void OnMix(short[] mix, IReadOnlyList<ushort> senders)
    {
        lock (_gate)
        {
            int n = _up.Process(mix, _upsampled);
            for (int i = 0; i < n; i++)
            {
                if (_count == _queue.Length)
                {
                    // Full: drop the oldest sample.
                    _head = (_head + 1) % _queue.Length;
                    _count--;
                }

                _queue[(_head + _count) % _queue.Length] = _upsampled[i];
                _count++;
            }
        }

        Interlocked.Increment(ref _mixesQueued);
    }

    private void Play(IAudioSink sink)
    {
        var period = new short[sink.FrameSamples];
        while (!_stopping)
        {
            lock (_gate)
            {
                // What is missing plays as silence (a late or lost mix).
                int n = Math.Min(_count, period.Length);
                for (int i = 0; i < period.Length; i++)
                {
                    period[i] = i < n ? _queue[(_head + i) % _queue.Length] : (short)0;
                }

                _head = (_head + n) % _queue.Length;
                _count -= n;
            }

            if (!sink.Write(period))
            {
                return;
            }
        }
    }

    /// <summary>Stops both threads (disposing a device unblocks its Read or Write) and waits for them.</summary>
    public void Dispose()
    {
        _stopping = true;
        _session.AudioReceived -= OnMix;
        _source?.Dispose();
        _sink?.Dispose();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }
    }
}
