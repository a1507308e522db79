using PicoTalk.Hal.Audio;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Audio;

namespace PicoTalk.Bench;

/// <summary>
/// The sound side of <c>./build.sh bench call</c>, the same for every pair of processes measured,
/// ours and baresip's: speech from a WAV file at each end, and each end playing through ALSA into a
/// PulseAudio null sink of its own (the ALSA <c>pulse</c> plugin, libasound2-plugins; DESIGN.md
/// "Testing without the hardware"), a device with a real-time clock, as a sound card would be. The
/// sinks' monitors are recorded, so a run can prove that each end heard the other.
/// </summary>
/// <remarks>
/// baresip 1.0's aufile source plays its file once and ends the call at the end of it (it reads the
/// whole file into memory and reports "end of file" through the source's error handler), so the WAV
/// files repeat the test sentences for longer than a run lasts; our daemons get the same files.
/// </remarks>
internal sealed class CallAudio : IDisposable
{
    /// <summary>ALSA PCM names in <see cref="AsoundConfig"/>: each end plays into its own sink.</summary>
    public const string CallerPcm = "bench_caller_out", CalleePcm = "bench_callee_out";

    /// <summary>
    /// Quieter than this over a measured window counts as "heard nothing". Speech that went through
    /// Opus at 32 kbit/s plays near -20 dBFS here; a dead stream plays digital silence.
    /// </summary>
    private const double HeardThresholdDbfs = -50;

    private const string CallerSink = "bench_caller", CalleeSink = "bench_callee";

    private readonly TempDirectory _dir;
    private readonly PulseAudioServer _server;

    private CallAudio(TempDirectory dir, PulseAudioServer server, string asoundConfig, string callerWav, string calleeWav, TimeSpan length)
    {
        _dir = dir;
        _server = server;
        AsoundConfig = asoundConfig;
        CallerWav = callerWav;
        CalleeWav = calleeWav;
        Length = length;
    }

    /// <summary>An alsa.conf for ALSA_CONFIG_PATH that defines <see cref="CallerPcm"/> and <see cref="CalleePcm"/>.</summary>
    public string AsoundConfig { get; }

    /// <summary>48 kHz mono S16 WAV of the caller's sentence, repeated for <see cref="Length"/>.</summary>
    public string CallerWav { get; }

    /// <summary>The callee's, as <see cref="CallerWav"/>.</summary>
    public string CalleeWav { get; }

    /// <summary>How long the WAV files play.</summary>
    public TimeSpan Length { get; }

    /// <summary>Bytes of audio data in one WAV file (what baresip 1.0's aufile holds in memory).</summary>
    public long WavDataBytes => (long)(Length.TotalSeconds * AudioFormat.SampleRate) * AudioFormat.BytesPerSample;

    /// <summary>Starts the sound server and writes the speech files, long enough for <paramref name="length"/>.</summary>
    public static CallAudio Start(TimeSpan length)
    {
        var dir = new TempDirectory("picotalk-callaudio");
        try
        {
            string callerWav = Repeated(Speech.Caller, dir.File("caller.wav"), length);
            string calleeWav = Repeated(Speech.Callee, dir.File("callee.wav"), length);
            string runtime = dir.File("pulse");
            string socket = PulseAudioServer.SocketIn(runtime);
            string asound = TestSupport.Audio.AsoundConfig.Write(dir.File("asound.conf"),
                TestSupport.Audio.AsoundConfig.PulsePcm(CallerPcm, socket, CallerSink),
                TestSupport.Audio.AsoundConfig.PulsePcm(CalleePcm, socket, CalleeSink));
            var server = PulseAudioServer.Start(runtime, CallerSink, CalleeSink);
            return new CallAudio(dir, server, asound, callerWav, calleeWav, length);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Records what each end plays from now on, until the returned object is disposed.</summary>
    public Ears Listen() => new(_server.EnsureRunning(), _dir.File($"heard-{Guid.NewGuid():N}"));

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }

    private static string Repeated(string sentenceWav, string path, TimeSpan length)
    {
        short[] sentence = WavReader.ReadAll(sentenceWav);
        long total = (long)(length.TotalSeconds * AudioFormat.SampleRate);
        using var writer = new WavWriter(path);
        for (long written = 0; written < total; written += sentence.Length)
        {
            writer.Write(sentence.AsSpan(0, (int)Math.Min(sentence.Length, total - written)));
        }

        return path;
    }

    /// <summary>Recordings of both sinks' monitors, and the check that a measured window carried speech.</summary>
    internal sealed class Ears : IDisposable
    {
        private readonly PulseAudioServer _server;
        private readonly PulseRecording _caller;
        private readonly PulseRecording _callee;
        private (long Caller, long Callee) _mark;

        public Ears(PulseAudioServer server, string prefix)
        {
            _server = server;
            _caller = server.Record(CallerSink + ".monitor", prefix + "-caller.raw");
            _callee = server.Record(CalleeSink + ".monitor", prefix + "-callee.raw");
        }

        /// <summary>Marks the start of the measured window.</summary>
        public void Mark() => _mark = (_caller.ReceivedBytes, _callee.ReceivedBytes);

        /// <summary>
        /// Stops recording and returns the level (dBFS, RMS) each end played from <see cref="Mark"/>
        /// on: the caller plays what the callee sent and the other way round.
        /// </summary>
        /// <exception cref="InvalidOperationException">an end played (near) silence: the call carried no audio.</exception>
        public (double Caller, double Callee) StopAndCheck(string what)
        {
            _server.EnsureRunning();
            double caller = Level(_caller.StopAndRead(), _mark.Caller);
            double callee = Level(_callee.StopAndRead(), _mark.Callee);
            if (caller < HeardThresholdDbfs || callee < HeardThresholdDbfs)
            {
                throw new InvalidOperationException(
                    $"{what}: an end played no speech in the measured window (caller {caller:F1} dBFS, callee {callee:F1} dBFS, threshold {HeardThresholdDbfs} dBFS): the call carried no audio, so its figures would mean nothing");
            }

            return (caller, callee);
        }

        public void Dispose()
        {
            _caller.Dispose();
            _callee.Dispose();
        }

        private static double Level(short[] samples, long fromByte)
        {
            var window = samples.AsSpan((int)Math.Min(samples.Length, fromByte / AudioFormat.BytesPerSample));
            if (window.Length == 0)
            {
                return double.NegativeInfinity;
            }

            double sum = 0;
            foreach (short s in window)
            {
                sum += (double)s * s;
            }

            return 20 * Math.Log10(Math.Sqrt(sum / window.Length) / short.MaxValue);
        }
    }
}
