namespace PicoTalk.Service.Rooms;

/// <summary>
/// 3:1 sample-rate conversion between the appliance's 48 kHz audio path (Hal/Audio AudioFormat) and
/// a room's 16 kHz frames (PICOTALK.md "Audio": 512 samples at 16 kHz). Down: low-pass FIR, keep
/// every third output (only those are computed). Up: zero-stuff by 3, the same FIR with gain 3,
/// computed as three polyphase branches so the stuffed zeros are never multiplied.
/// Stateful across calls (the FIR's delay line carries over frame boundaries), allocation-free after
/// construction; one instance per direction and stream, used by one thread at a time.
/// </summary>
public sealed class Resampler
{
    /// <summary>Our choice: 48 kHz / 16 kHz.</summary>
    public const int Factor = 3;

    /// <summary>
    /// Our choice: 95 taps, Blackman-windowed sinc, cutoff 5.25 kHz at 48 kHz. A Blackman window's
    /// transition is about 5.5·fs/N = 2.8 kHz wide with about 74 dB stop band (Oppenheim &amp;
    /// Schafer, "Discrete-Time Signal Processing" 7.5), so speech up to ~3.9 kHz passes flat and
    /// everything from ~6.6 kHz up (which would fold back below the 8 kHz Nyquist of 16 kHz, or is
    /// an image of the zero-stuffing) is suppressed.
    /// </summary>
    public const int Taps = 95;

    private const double CutoffHz = 5_250;
    private const double InputRateHz = 48_000;

    private static readonly float[] Coefficients = Design();

    private readonly bool _down;
    private readonly float[] _history;
    private readonly int _length;
    private int _position;
    private int _phase;

    private Resampler(bool down)
    {
        _down = down;

        // Down: the delay line holds 48 kHz inputs (all taps). Up: 16 kHz inputs, one per 3 taps.
        _length = down ? Taps : (Taps + Factor - 1) / Factor;

        // Doubled so the newest _length samples are always contiguous (written at i and i + _length).
        _history = new float[2 * _length];
    }

    /// <summary>48 kHz to 16 kHz.</summary>
    public static Resampler Down() => new(down: true);

    /// <summary>16 kHz to 48 kHz.</summary>
    public static Resampler Up() => new(down: false);

    /// <summary>
    /// Down: consumes <paramref name="input"/> at 48 kHz, writes one sample per three inputs
    /// (carrying the phase across calls). Up: writes exactly three samples per input. Returns the
    /// count written; <paramref name="output"/> must hold input.Length / 3 + 1 (down) or 3 × input.Length (up).
    /// </summary>
    public int Process(ReadOnlySpan<short> input, Span<short> output) => _down ? Decimate(input, output) : Interpolate(input, output);

    private int Decimate(ReadOnlySpan<short> input, Span<short> output)
    {
        int written = 0;
        foreach (short sample in input)
        {
            Push(sample);
            if (_phase == 0)
            {
                // y[n] = sum h[k] x[n-k]; the newest sample sits at the end of the contiguous window.
                var window = _history.AsSpan(_position, _length);
                float sum = 0;
                for (int k = 0; k < Taps; k++)
                {
                    sum += Coefficients[k] * window[_length - 1 - k];
                }

                output[written++] = Saturate(sum);
            }

            _phase = (_phase + 1) % Factor;
        }

        return written;
    }

    private int Interpolate(ReadOnlySpan<short> input, Span<short> output)
    {
        int written = 0;
        foreach (short sample in input)
        {
            Push(sample);
            var window = _history.AsSpan(_position, _length);

            // Output 3n+p of the zero-stuffed stream only meets taps p, p+3, ...: z[3n+p] = 3 sum_k h[p+3k] x[n-k].
            for (int p = 0; p < Factor; p++)
            {
                float sum = 0;
                for (int k = 0, tap = p; tap < Taps; k++, tap += Factor)
                {
                    sum += Coefficients[tap] * window[_length - 1 - k];
                }

                output[written++] = Saturate(Factor * sum);
            }
        }

        return written;
    }

    private void Push(short sample)
    {
        // The window [_position, _position + _length) ends with the newest sample.
        _history[_position] = sample;
        _history[_position + _length] = sample;
        _position = (_position + 1) % _length;
    }

    private static short Saturate(float value) => (short)Math.Clamp(MathF.Round(value), short.MinValue, short.MaxValue);

    private static float[] Design()
    {
        var h = new double[Taps];
        double fc = CutoffHz / InputRateHz;
        double sum = 0;
        int middle = (Taps - 1) / 2;
        for (int n = 0; n < Taps; n++)
        {
            int m = n - middle;
            double sinc = m == 0 ? 2 * fc : Math.Sin(2 * Math.PI * fc * m) / (Math.PI * m);
            double blackman = 0.42 - (0.5 * Math.Cos(2 * Math.PI * n / (Taps - 1))) + (0.08 * Math.Cos(4 * Math.PI * n / (Taps - 1)));
            h[n] = sinc * blackman;
            sum += h[n];
        }

        // Unity gain at DC.
        var coefficients = new float[Taps];
        for (int n = 0; n < Taps; n++)
        {
            coefficients[n] = (float)(h[n] / sum);
        }

        return coefficients;
    }
}
