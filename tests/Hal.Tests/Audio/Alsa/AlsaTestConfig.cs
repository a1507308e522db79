using System.Runtime.InteropServices;
using PicoTalk.TestSupport;
using PicoTalk.TestSupport.Audio;

namespace PicoTalk.Hal.Tests.Audio.Alsa;

/// <summary>
/// Every test that calls libasound runs in this one collection, after <see cref="AlsaTestConfig"/>
/// has pointed ALSA at its own configuration: the config must be in place before the first ALSA call
/// of the process, and the tests must not run in parallel with each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AlsaCollection : ICollectionFixture<AlsaTestConfig>
{
    public const string Name = "ALSA";
}

/// <summary>
/// An ALSA configuration of test PCMs (DESIGN.md "Testing without the hardware"): the
/// <c>file</c> plugin over the <c>null</c> PCM captures from a raw S16_LE file or records playback
/// into one, as fast as asked; the <c>pulse</c> plugin reaches a private PulseAudio null sink for
/// real-time pacing (<see cref="PulseAudioServer"/>).
/// </summary>
/// <remarks>
/// <para>The file begins with <see cref="AsoundConfig.StandardInclude"/>.</para>
/// <para>libasound reads ALSA_CONFIG_PATH with getenv(3). .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes only the runtime's own
/// copy on Unix (what child processes inherit), not the C library's environment, so the variable is
/// also set with setenv(3); <c>AlsaConfigTests</c> checks both facts.</para>
/// </remarks>
public sealed partial class AlsaTestConfig : IDisposable
{
    /// <summary>Captures <see cref="Speech"/> (file plugin, <c>infile</c>), then fails when the file is exhausted.</summary>
    public const string Capture = "picotalk_test_capture";

    /// <summary>Records playback into <see cref="PlaybackFile"/>.</summary>
    public const string Playback = "picotalk_test_playback";

    /// <summary>One name, two directions (asym): capture is <see cref="Capture"/>, playback records into <see cref="DuplexPlaybackFile"/>.</summary>
    public const string Duplex = "picotalk_test_duplex";

    /// <summary>Can only capture (asym without a playback PCM).</summary>
    public const string CaptureOnly = "picotalk_test_capture_only";

    /// <summary>Can only play (asym without a capture PCM).</summary>
    public const string PlaybackOnly = "picotalk_test_playback_only";

    /// <summary>A multi PCM with two channel bindings: takes exactly 2 channels, refuses mono as a stereo-only card does.</summary>
    public const string StereoOnly = "picotalk_test_stereo_only";

    /// <summary>
    /// The a52 plugin (libasound2-plugins) fixed at 44.1 kHz over the null PCM: offers only 44100 Hz,
    /// as a codec clocked for CD rates does. (alsa-lib's own plugins all pass the rate through.)
    /// </summary>
    public const string Rate44100Only = "picotalk_test_44k1_only";

    /// <summary>Playback into the private PulseAudio server's null sink.</summary>
    public const string Pulse = "picotalk_test_pulse";

    /// <summary>Capture from the null sink's monitor (what is played into it, paced by the server).</summary>
    public const string PulseMonitor = "picotalk_test_pulse_monitor";

    public const string CaptureDescription = "PicoTalk test capture from a raw file";

    private readonly TempDirectory _dir = new("alsa-config");
    private readonly Lazy<PulseAudioServer> _pulse;

    public AlsaTestConfig()
    {
        // Whole 20 ms periods (so whole 10 ms periods too) of real speech.
        short[] speech = TestSupport.Speech.Samples(TestSupport.Speech.CallerSentence);
        Speech = speech[..(speech.Length / 960 * 960)];
        File.WriteAllBytes(SpeechFile, MemoryMarshal.AsBytes(Speech.AsSpan()).ToArray());
        AsoundConfig.Write(ConfigFile, Config(), AsoundConfig.PulsePcm(Pulse, PulseSocket, PulseSinkName),
            AsoundConfig.PulsePcm(PulseMonitor, PulseSocket, PulseSinkName + ".monitor"));
        _pulse = new Lazy<PulseAudioServer>(() => PulseAudioServer.Start(PulseDirectory, PulseSinkName));

        Environment.SetEnvironmentVariable("ALSA_CONFIG_PATH", ConfigFile);
        if (setenv("ALSA_CONFIG_PATH", ConfigFile, 1) != 0)
        {
            throw new InvalidOperationException($"setenv failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The samples <see cref="Capture"/> delivers (little-endian S16, as the file holds them).</summary>
    public short[] Speech { get; }

    public string ConfigFile => _dir.File("asoundrc");

    public string SpeechFile => _dir.File("speech.raw");

    public string PlaybackFile => _dir.File("played.raw");

    public string DuplexPlaybackFile => _dir.File("duplex-played.raw");

    public string PulseSinkName => "picotalk_test_null";

    private string PulseDirectory => _dir.File("pulse");

    private string PulseSocket => PulseAudioServer.SocketIn(PulseDirectory);

    /// <summary>The private PulseAudio server, started on first use and stopped with the collection.</summary>
    public PulseAudioServer PulseServer => _pulse.Value.EnsureRunning();

    /// <summary>The samples of a raw S16_LE file.</summary>
    public static short[] ReadRaw(string path) => MemoryMarshal.Cast<byte, short>(File.ReadAllBytes(path)).ToArray();

    public void Dispose()
    {
        if (_pulse.IsValueCreated)
        {
            _pulse.Value.Dispose();
        }

        _dir.Dispose();
    }

    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    private string Config() => $$"""
        pcm.{{Capture}} {
            type file
            slave.pcm null
            file "/dev/null"
            infile "{{SpeechFile}}"
            format raw
            hint { show on description "{{CaptureDescription}}" }
        }

        pcm.{{Playback}} {
            type file
            slave.pcm null
            file "{{PlaybackFile}}"
            format raw
        }

        pcm.{{Duplex}} {
            type asym
            capture.pcm {{Capture}}
            playback.pcm {
                type file
                slave.pcm null
                file "{{DuplexPlaybackFile}}"
                format raw
            }
        }

        pcm.{{CaptureOnly}} {
            type asym
            capture.pcm {{Capture}}
        }

        pcm.{{PlaybackOnly}} {
            type asym
            playback.pcm {{Playback}}
        }

        pcm.{{StereoOnly}} {
            type multi
            slaves.a { pcm null channels 2 }
            bindings.0 { slave a channel 0 }
            bindings.1 { slave a channel 1 }
        }

        pcm.{{Rate44100Only}} {
            type a52
            slavepcm "null"
            rate 44100
            channels 2
        }
        """;
}
