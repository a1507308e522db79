using PicoTalk.Hal.Audio;

namespace PicoTalk.Service.Appliance;

/// <summary>The tones the appliance plays on its own.</summary>
public enum Tone
{
    None,

    /// <summary>A call rings in: a two-note chime every two seconds.</summary>
    Ring,

    /// <summary>A call is about to be answered automatically: three short beeps a second.</summary>
    AutoAnswerWarning,

    /// <summary>The web page's speaker test: a steady 1 kHz sine, the usual test-tone frequency.</summary>
    Test,
}

/// <summary>
/// Plays a tone on the audio output while the appliance rings, on a thread of its own (a sound card's
/// write blocks for a period, which the loop must never do). The output is opened when a tone starts
/// and closed when it stops, and <see cref="Stop"/> returns only once it is closed: a call opens the
/// same sound card the moment it is answered.
/// </summary>
/// <remarks>Samples come from a phase accumulator into one preallocated period: nothing is
/// allocated per period.</remarks>
public sealed class TonePlayer : IDisposable
{
    private const int SampleRate = 48_000;
    private const short Amplitude = 6_000; // about -15 dBFS: audible, not harsh

    private readonly Func<IAudioSink> _openOutput;
    private readonly Action<string> _log;
    private readonly object _gate = new();
    private Thread? _thread;
    private IAudioSink? _sink;
    private volatile bool _stopping;

    /// <param name="openOutput">Opens the audio output (on the tone's thread; it may throw).</param>
    public TonePlayer(Func<IAudioSink> openOutput, Action<string> log)
    {
        _openOutput = openOutput;
        _log = log;
    }

    /// <summary>The tone playing now.</summary>
    public Tone Playing { get; private set; }

    /// <summary>Starts <paramref name="tone"/> (stopping another one first); the same tone again goes on.</summary>
    public void Play(Tone tone)
    {
        if (tone == Playing)
        {
            return;
        }

        Stop();
        if (tone == Tone.None)
        {
            return;
        }

        Playing = tone;
        _stopping = false;
        _thread = new Thread(() => Run(tone)) { Name = "picotalk-tone", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Stops the tone and closes the output; returns once the output is closed (or after a
    /// second, with a warning, if the sound card hangs).</summary>
    public void Stop()
    {
        if (_thread is not { } thread)
        {
            return;
        }

        _stopping = true;
        lock (_gate)
        {
            _sink?.Dispose(); // wakes a blocked write
        }

        if (!thread.Join(TimeSpan.FromSeconds(1)))
        {
            _log("tone: the audio output did not close within a second");
        }

        _thread = null;
        Playing = Tone.None;
    }

    private void Run(Tone tone)
    {
        IAudioSink sink;
        try
        {
            sink = _openOutput();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or ArgumentException)
        {
            _log($"tone: cannot open the audio output: {e.Message}");
            return;
        }

        lock (_gate)
        {
            if (_stopping)
            {
                sink.Dispose();
                return;
            }

            _sink = sink;
        }

        try
        {
            var period = new short[sink.FrameSamples];
            long sample = 0;
            double phase = 0;
            while (!_stopping)
            {
                for (int i = 0; i < period.Length; i++, sample++)
                {
                    double frequency = Frequency(tone, sample);
                    if (frequency == 0)
                    {
                        period[i] = 0;
                        phase = 0;
                        continue;
                    }

                    phase += 2 * Math.PI * frequency / SampleRate;
                    if (phase > 2 * Math.PI)
                    {
                        phase -= 2 * Math.PI;
                    }

                    period[i] = (short)(Amplitude * Math.Sin(phase));
                }

                if (!sink.Write(period))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (!_stopping)
        {
            _log($"tone: playback stopped: {e.Message}");
        }
        finally
        {
            lock (_gate)
            {
                _sink = null;
                sink.Dispose();
            }
        }
    }

    /// <summary>The frequency at sample <paramref name="n"/> of a tone, 0 for silence.</summary>
    internal static double Frequency(Tone tone, long n)
    {
        long ms = n * 1000 / SampleRate;
        switch (tone)
        {
            case Tone.Ring:
            {
                // Two notes (E6 then C6, a door chime), 400 ms each, then 1.2 s of quiet.
                long at = ms % 2000;
                return at < 400 ? 1318.5 : at < 800 ? 1046.5 : 0;
            }

            case Tone.AutoAnswerWarning:
            {
                // Three 150 ms beeps at 1 kHz, 100 ms apart, every second.
                long at = ms % 1000;
                return at < 750 && at % 250 < 150 ? 1000 : 0;
            }

            case Tone.Test:
                return 1000;

            default:
                return 0;
        }
    }

    public void Dispose() => Stop();
}
