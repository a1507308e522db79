using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Media;

/// <summary>What the sender's Opus encoder should be set to (OPUS_SET_BITRATE, OPUS_SET_INBAND_FEC, OPUS_SET_PACKET_LOSS_PERC).</summary>
public readonly record struct EncoderTarget(int BitsPerSecond, bool Fec, int ExpectedLossPercent);

/// <summary>
/// Loss-based bitrate control for the sender, driven by the peer's <see cref="ReceiverReport"/>s:
/// the classic scheme of WebRTC's loss-based estimator, draft-ietf-rmcat-gcc-02 §6. With p the
/// smoothed fraction lost:
/// <list type="bullet">
/// <item>p &lt; 2 %: increase by 5 % per second since the last increase (multiplicative);</item>
/// <item>2 % ≤ p ≤ 10 %: hold;</item>
/// <item>p &gt; 10 %: decrease to rate · (1 − 0.5 p);</item>
/// </list>
/// then clamp to [minimum, maximum]. From p it also derives in-band FEC (on above 1 %) and the
/// loss the encoder plans for. Pure logic: time comes in as a monotonic <see cref="TimeSpan"/>,
/// nothing is allocated per report, and one thread (the event loop) calls it.
/// </summary>
/// <remarks>
/// Decisions beyond the draft, each ours:
/// <list type="bullet">
/// <item>The increase counts only time spent on a clean link: a hold or a decrease restarts its
/// clock, otherwise half a minute of holding would be paid out as a 4× jump the moment loss ends.</item>
/// <item>A report that arrives more than <see cref="StaleAfter"/> after the previous one (or after
/// the start) does not increase: the silence says nothing good about the path. It may still
/// decrease, and the increase resumes from the next timely report.</item>
/// <item>Round-trip time alone never changes the bitrate: the scheme of §6 reacts to loss only
/// (delay is the business of the delay-based controller of §5, which we do not run), and a long
/// but steady RTT is distance, not congestion.</item>
/// <item>While FEC is on the bitrate stays at or above <see cref="FecFloorBitsPerSecond"/> (capped
/// at the maximum; it also lifts a lower start rate), the least at which libopus codes LBRR for
/// wideband speech: below it libopus narrows the audio to make room for LBRR, and at 12 kbit/s it
/// codes none, so "FEC on" would be FEC in name only.</item>
/// <item>Not <see cref="BitrateSettings.Adaptive"/>: the bitrate stays at the start value (no FEC
/// floor either, since a fixed rate is what was asked for), while FEC and the expected loss still
/// follow the reports: they spend bits inside the fixed rate, where they protect the audio.</item>
/// </list>
/// </remarks>
public sealed class BitrateController
{
    // ---- From draft-ietf-rmcat-gcc-02 §6 ----

    /// <summary>Below this smoothed loss the rate increases.</summary>
    public const double IncreaseBelowLoss = 0.02;

    /// <summary>Above this smoothed loss the rate decreases.</summary>
    public const double DecreaseAboveLoss = 0.10;

    /// <summary>Growth per second of clean link: 5 %.</summary>
    public const double IncreasePerSecond = 1.05;

    // ---- Our choices ----

    /// <summary>
    /// Weight of the newest report in the smoothed loss (EWMA). With about one report a second,
    /// 0.25 gives a time constant of about 3.5 s: one unlucky burst moves p a quarter of the way,
    /// while a lasting loss rate is believed within a few reports.
    /// </summary>
    public const double LossSmoothing = 0.25;

    /// <summary>
    /// A smoothed loss below this is taken as zero. The average decays geometrically and never
    /// reaches 0 by itself; 0.1 % is a quarter of one report's resolution (1/256).
    /// </summary>
    public const double NegligibleLoss = 0.001;

    /// <summary>In-band FEC is on above this smoothed loss; on a clean link it would only cost bytes and CPU.</summary>
    public const double FecAboveLoss = 0.01;

    /// <summary>Highest loss we tell the encoder to expect: beyond 50 % more redundancy does not save the call.</summary>
    public const int MaxExpectedLossPercent = 50;

    /// <summary>
    /// Lowest bitrate while FEC is on: 21 kbit/s, the least at which libopus 1.3 still codes LBRR
    /// for wideband speech. From <c>decide_fec</c> and <c>compute_equiv_rate</c> (src/opus_encoder.c):
    /// LBRR is coded at a bandwidth when the "equivalent rate" (bitrate × (90 + complexity)/100,
    /// less that × loss/(6·loss + 10) in SILK mode) exceeds <c>fec_thresholds[bw] · (125 − min(loss,
    /// 25))/100</c>, with thresholds of 12000 (narrowband), 14000 (mediumband), 16000 (wideband),
    /// 20000 and 22000 bit/s and 1000 bit/s of hysteresis (minus while LBRR is on, plus while off).
    /// Above 5 % loss libopus narrows the bandwidth until LBRR fits; at complexity 9 (our default),
    /// 20 ms VBR frames and LBRR already on, wideband fits from 20.8 kbit/s (at 6 % loss; 20.2 at
    /// 11 %, 17.9 at 25 % and above). The 12 kbit/s often quoted is the narrowband base figure before
    /// those factors: at 12 kbit/s libopus codes no LBRR at any bandwidth or loss (narrowband alone
    /// needs 13.2 kbit/s or more). FecFloorOpusTests checks both against the real library.
    /// <para>
    /// At 5 % expected loss or less libopus does not narrow the bandwidth for FEC: it keeps the
    /// fullband hybrid mode it picks for speech from about 14 kbit/s, where LBRR needs about
    /// 29 to 30 kbit/s. The controller does not raise the rate for that (2 to 10 % is "hold" in
    /// draft-ietf-rmcat-gcc-02 §6); the default start of 32 kbit/s is above it.
    /// </para>
    /// </summary>
    public const int FecFloorBitsPerSecond = 21_000;

    /// <summary>A report later than this after the previous one does not increase the rate.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);

    private readonly BitrateSettings _settings;
    private double _bitsPerSecond;
    private double _smoothedLoss;
    private bool _seeded;
    private TimeSpan _lastReport;
    private TimeSpan _increaseFrom;

    /// <summary>Starts at <see cref="BitrateSettings.StartBitsPerSecond"/>, FEC off, no expected loss; <paramref name="now"/> is the call's start.</summary>
    public BitrateController(BitrateSettings settings, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        _bitsPerSecond = settings.StartBitsPerSecond;
        _lastReport = now;
        _increaseFrom = now;
        Target = new EncoderTarget(settings.StartBitsPerSecond, Fec: false, ExpectedLossPercent: 0);
    }

    /// <summary>What the encoder should run at now.</summary>
    public EncoderTarget Target { get; private set; }

    /// <summary>Whether the last <see cref="OnReport(byte, TimeSpan)"/> changed <see cref="Target"/>: retune the encoder only then.</summary>
    public bool Changed { get; private set; }

    /// <summary>The smoothed fraction lost, 0..1.</summary>
    public double SmoothedLoss => _smoothedLoss;

    /// <summary>True when no report has come for longer than <see cref="StaleAfter"/>: the controller holds.</summary>
    public bool IsStale(TimeSpan now) => now - _lastReport > StaleAfter;

    /// <summary>Takes the peer's report (only its fraction lost counts); returns <see cref="Changed"/>.</summary>
    public bool OnReport(in ReceiverReport report, TimeSpan now) => OnReport(report.FractionLost, now);

    /// <summary>
    /// Takes a report's fraction lost (1/256, RFC 3550 §6.4.1) received at <paramref name="now"/>
    /// (monotonic); returns <see cref="Changed"/>.
    /// </summary>
    public bool OnReport(byte fractionLost, TimeSpan now)
    {
        bool stale = now - _lastReport > StaleAfter;
        _lastReport = now;
        Smooth(fractionLost / 256.0);

        bool fec = _smoothedLoss > FecAboveLoss;
        if (_settings.Adaptive)
        {
            Adapt(now, stale, fec);
        }

        var target = new EncoderTarget((int)Math.Round(_bitsPerSecond), fec, ExpectedLossPercent(_smoothedLoss));
        Changed = target != Target;
        Target = target;
        return Changed;
    }

    /// <summary>ceil(p · 100) clamped to 0..50: whole percents, so small wobbles of p do not retune the encoder.</summary>
    internal static int ExpectedLossPercent(double smoothedLoss)
    {
        // The small epsilon keeps 0.07 (7.000000000000001 % once multiplied in binary) at 7.
        double percent = Math.Ceiling((smoothedLoss * 100) - 1e-9);
        return (int)Math.Clamp(percent, 0, MaxExpectedLossPercent);
    }

    private void Smooth(double loss)
    {
        // The first report seeds the average: a call that starts on a lossy path is believed at once.
        _smoothedLoss = _seeded ? _smoothedLoss + (LossSmoothing * (loss - _smoothedLoss)) : loss;
        _seeded = true;
        if (_smoothedLoss < NegligibleLoss)
        {
            _smoothedLoss = 0;
        }
    }

    private void Adapt(TimeSpan now, bool stale, bool fec)
    {
        if (_smoothedLoss < IncreaseBelowLoss)
        {
            if (!stale)
            {
                double seconds = Math.Max(0, (now - _increaseFrom).TotalSeconds);
                _bitsPerSecond *= Math.Pow(IncreasePerSecond, seconds);
            }
        }
        else if (_smoothedLoss > DecreaseAboveLoss)
        {
            _bitsPerSecond *= 1 - (0.5 * _smoothedLoss);
        }

        // Hold, decrease or increase: the next increase counts from here.
        _increaseFrom = now;

        int maximum = _settings.MaximumBitsPerSecond;
        int minimum = fec
            ? Math.Max(_settings.MinimumBitsPerSecond, Math.Min(FecFloorBitsPerSecond, maximum))
            : _settings.MinimumBitsPerSecond;
        _bitsPerSecond = Math.Clamp(_bitsPerSecond, minimum, maximum);
    }
}
