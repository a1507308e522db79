using System.Net;
using System.Text;
using System.Text.Json.Serialization;
using PicoTalk.Hal.Audio.Dsp;
using PicoTalk.Protocol.Media;
using PicoTalk.Service.Media;

namespace PicoTalk.Service.Config;

/// <summary>
/// The appliance's settings as stored in <c>config.json</c> (snake_case keys). Properties are
/// settable rather than init-only because the JSON source generator assigns every init-only property,
/// absent ones included, which would wipe the defaults of keys a file leaves out. Every value is checked
/// by <see cref="Validate"/>, which names the key and the reason; the command line overrides the file.
/// </summary>
public sealed record DaemonConfig
{
    /// <summary>Shown to the callee with an invite. At most <see cref="MaxNameBytes"/> bytes of UTF-8.</summary>
    public string Name { get; set; } = "PicoTalk";

    public int UdpPort { get; set; } = 5004;

    /// <summary>Address to bind the UDP socket to; "::" is dual-stack IPv6 and IPv4.</summary>
    public string Bind { get; set; } = "::";

    public AudioConfig Audio { get; set; } = new();

    public OpusConfig Opus { get; set; } = new();

    public CallConfig Calls { get; set; } = new();

    public DhtConfig Dht { get; set; } = new();

    public GpioConfig Gpio { get; set; } = new();

    /// <summary>The room server's settings (issue 7: rooms announced on the DHT by name).</summary>
    public RoomServerConfig RoomServer { get; set; } = new();

    /// <summary>The appliances this one knows by name (see <see cref="ContactConfig"/>); changed at run
    /// time by the <c>contacts</c> command through ContactBook.</summary>
    public List<ContactConfig> Contacts { get; set; } = [];

    public const int MaxNameBytes = 64;

    /// <summary>The Opus encoder these settings ask for.</summary>
    public OpusEncoderSettings EncoderSettings() => new()
    {
        Bitrate = Opus.Bitrate,
        Complexity = Opus.Complexity,
        FrameMilliseconds = Audio.FrameMs,
        InbandFec = Opus.Fec,
        ExpectedPacketLossPercent = Opus.ExpectedLossPercent,
    };

    /// <summary>A call's media as these settings ask for it.</summary>
    public CallMediaSettings MediaSettings() => new(EncoderSettings(), PlayoutSettings(), BitrateSettings());

    /// <summary>How the bitrate follows the peer's reports.</summary>
    public BitrateSettings BitrateSettings() => new()
    {
        StartBitsPerSecond = Opus.Bitrate,
        MinimumBitsPerSecond = Opus.MinBitrate,
        MaximumBitsPerSecond = Opus.MaxBitrate,
        Adaptive = Opus.AdaptiveBitrate,
    };

    /// <summary>The adaptive jitter buffer these settings ask for.</summary>
    public PlayoutSettings PlayoutSettings() => new()
    {
        MinimumDelayMilliseconds = Audio.JitterMinMs,
        MaximumDelayMilliseconds = Audio.JitterMaxMs,
    };

    /// <summary>What a call does to the microphone's audio before encoding.</summary>
    public VoiceProcessingSettings VoiceSettings() => new()
    {
        EchoCancellation = Audio.EchoCancellation,
        EchoTailMilliseconds = Audio.EchoTailMs,
        Preprocessor = new PreprocessorSettings
        {
            NoiseSuppression = Audio.NoiseSuppression,
            AutomaticGain = Audio.Agc,
            VoiceActivity = Audio.Vad,
        },
    };

    /// <summary>Every problem, each as (key, reason); empty when the config is usable.</summary>
    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        if (string.IsNullOrWhiteSpace(Name) || Encoding.UTF8.GetByteCount(Name) > MaxNameBytes)
        {
            errors.Add(new("name", $"must be 1 to {MaxNameBytes} bytes of text"));
        }

        if (UdpPort is < 0 or > 65535)
        {
            errors.Add(new("udp_port", "must be 0 (any free port) to 65535"));
        }

        if (!IPAddress.TryParse(Bind, out _))
        {
            errors.Add(new("bind", $"'{Bind}' is not an IP address (use :: for all addresses)"));
        }

        if (string.IsNullOrWhiteSpace(Audio.Input))
        {
            errors.Add(new("audio.input", "must name an input device (sim, silence, wav:FILE, alsa:DEVICE)"));
        }

        if (string.IsNullOrWhiteSpace(Audio.Output))
        {
            errors.Add(new("audio.output", "must name an output device (sim, null, wav:FILE, alsa:DEVICE)"));
        }

        if (Audio.FrameMs is not (10 or 20))
        {
            errors.Add(new("audio.frame_ms", "must be 10 or 20"));
        }

        if (Audio.JitterMinMs is < 0 or > 200)
        {
            errors.Add(new("audio.jitter_min_ms", "must be 0 to 200"));
        }

        if (Audio.JitterMaxMs < Audio.JitterMinMs + 40 || Audio.JitterMaxMs > 1000)
        {
            errors.Add(new("audio.jitter_max_ms", "must be at least audio.jitter_min_ms + 40 and at most 1000"));
        }

        if (Audio.EchoTailMs is < EchoCanceller.MinTailMilliseconds or > EchoCanceller.MaxTailMilliseconds)
        {
            errors.Add(new("audio.echo_tail_ms", $"must be {EchoCanceller.MinTailMilliseconds} to {EchoCanceller.MaxTailMilliseconds}"));
        }

        if (Audio.SpeakerGainDb is not (>= AudioConfig.MinGainDb and <= AudioConfig.MaxGainDb))
        {
            errors.Add(new("audio.speaker_gain_db", $"must be {AudioConfig.MinGainDb} to {AudioConfig.MaxGainDb} dB"));
        }

        if (Audio.MicGainDb is not (>= AudioConfig.MinGainDb and <= AudioConfig.MaxGainDb))
        {
            errors.Add(new("audio.mic_gain_db", $"must be {AudioConfig.MinGainDb} to {AudioConfig.MaxGainDb} dB"));
        }

        // RFC 6716 §2.1.1: Opus runs from 6 kbit/s to 510 kbit/s.
        if (!IsOpusBitrate(Opus.Bitrate))
        {
            errors.Add(new("opus.bitrate", OpusBitrateRange));
        }

        if (!IsOpusBitrate(Opus.MinBitrate))
        {
            errors.Add(new("opus.min_bitrate", OpusBitrateRange));
        }

        if (!IsOpusBitrate(Opus.MaxBitrate) || Opus.MaxBitrate < Opus.MinBitrate)
        {
            errors.Add(new("opus.max_bitrate", $"{OpusBitrateRange} and at least opus.min_bitrate"));
        }
        else if (IsOpusBitrate(Opus.Bitrate) && (Opus.Bitrate < Opus.MinBitrate || Opus.Bitrate > Opus.MaxBitrate))
        {
            errors.Add(new("opus.bitrate", $"must be within opus.min_bitrate..opus.max_bitrate ({Opus.MinBitrate}..{Opus.MaxBitrate})"));
        }

        if (Opus.Complexity is < 0 or > 10)
        {
            errors.Add(new("opus.complexity", "must be 0 to 10"));
        }

        if (Opus.ExpectedLossPercent is < 0 or > 100)
        {
            errors.Add(new("opus.expected_loss_percent", "must be 0 to 100"));
        }

        for (int i = 0; i < Dht.Bootstrap.Count; i++)
        {
            if (!IsHostPort(Dht.Bootstrap[i]))
            {
                errors.Add(new($"dht.bootstrap[{i}]", $"'{Dht.Bootstrap[i]}' is not HOST:PORT"));
            }
        }

        if (Dht.KeepaliveSeconds is < 1 or > DhtConfig.MaxKeepaliveSeconds)
        {
            errors.Add(new("dht.keepalive_seconds", $"must be 1 to {DhtConfig.MaxKeepaliveSeconds}"));
        }

        Calls.Validate(errors, Contacts);
        Gpio.Validate(errors);
        RoomServer.Validate(errors);
        ContactConfig.Validate(Contacts, errors);
        return errors;
    }

    private static readonly string OpusBitrateRange = $"must be {MediaConstants.MinBitrate} to {MediaConstants.MaxBitrate} bit/s";

    private static bool IsOpusBitrate(int bitsPerSecond) => bitsPerSecond is >= MediaConstants.MinBitrate and <= MediaConstants.MaxBitrate;

    /// <summary>"name:port", "1.2.3.4:port" or "[v6]:port" with a port of 1 to 65535.</summary>
    public static bool IsHostPort(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon > 0 && ushort.TryParse(text.AsSpan(colon + 1), out ushort port) && port > 0
            && !string.IsNullOrWhiteSpace(text[..colon].Trim('[', ']'));
    }
}

public sealed record AudioConfig
{
    public string Input { get; set; } = "sim";

    public string Output { get; set; } = "sim";

    /// <summary>Opus frame and audio period: 20 ms (default) or 10 ms for the lowest latency.</summary>
    public int FrameMs { get; set; } = 20;

    /// <summary>The least time a packet waits before it is played: the adaptive jitter buffer sits
    /// here on a clean link and grows with the network's jitter (see PlayoutSettings).</summary>
    public int JitterMinMs { get; set; } = 2;

    /// <summary>Above this delay the jitter buffer skips audio rather than shortening it.</summary>
    public int JitterMaxMs { get; set; } = 400;

    /// <summary>Acoustic echo cancellation (speexdsp MDF): the far end does not hear itself back
    /// from our speaker. On by default.</summary>
    public bool EchoCancellation { get; set; } = true;

    /// <summary>Echo tail the canceller models, 20 to 500 ms.</summary>
    public int EchoTailMs { get; set; } = 128;

    /// <summary>Noise suppression (speexdsp preprocessor). Costs one audio period of delay.</summary>
    public bool NoiseSuppression { get; set; } = true;

    /// <summary>Automatic gain control of the microphone.</summary>
    public bool Agc { get; set; }

    /// <summary>Voice activity: after 300 ms without speech the microphone is sent as silence.</summary>
    public bool Vad { get; set; }

    /// <summary>Gain applied to what the speaker plays, in dB (saturating; <see cref="MinGainDb"/> to
    /// <see cref="MaxGainDb"/>). Changed live, during a call too.</summary>
    public double SpeakerGainDb { get; set; }

    /// <summary>Gain applied to the microphone before voice processing, in dB (as speaker_gain_db).</summary>
    public double MicGainDb { get; set; }

    /// <summary>Range of the gains (ui-spec "New config keys"): -40 dB is near silence, +20 dB lifts
    /// a quiet microphone without making every sample clip.</summary>
    public const double MinGainDb = -40;

    public const double MaxGainDb = 20;
}

public sealed record OpusConfig
{
    /// <summary>Target bitrate; 32 kbit/s is about 80 bytes per 20 ms, the paper's figure for good
    /// voice (fullband speech in Opus's CELT/hybrid modes).</summary>
    public int Bitrate { get; set; } = 32_000;

    public int Complexity { get; set; } = 5;

    /// <summary>In-band forward error correction (RFC 6716 §2.1.7).</summary>
    public bool Fec { get; set; } = true;

    public int ExpectedLossPercent { get; set; } = 5;

    /// <summary>The bitrate follows the loss the peer reports (within min_bitrate..max_bitrate), and
    /// FEC and the expected loss follow it too; off keeps opus.bitrate fixed.</summary>
    public bool AdaptiveBitrate { get; set; } = true;

    /// <summary>Least bitrate the adaptation goes down to.</summary>
    public int MinBitrate { get; set; } = MediaConstants.MinBitrate;

    /// <summary>Most bitrate the adaptation climbs to on a clean link: 64 kbit/s, where Opus speech
    /// is transparent; more buys nothing audible.</summary>
    public int MaxBitrate { get; set; } = 64_000;
}

/// <summary>The routing layer. No public bootstrap node is configured by default: an appliance finds
/// its peers on the LAN, or through the nodes the owner lists here (for example a relay of their own,
/// or public Mainline DHT routers to join the public DHT).</summary>
public sealed record DhtConfig
{
    /// <summary>Nodes to join the DHT through, as HOST:PORT.</summary>
    public List<string> Bootstrap { get; set; } = [];

    /// <summary>BEP 14 style multicast discovery of appliances on the same LAN.</summary>
    public bool LanDiscovery { get; set; } = true;

    /// <summary>Interfaces to discover on (e.g. ["wlan0"]); empty means every multicast interface.</summary>
    public List<string> LanInterfaces { get; set; } = [];

    /// <summary>Relayed hole punching (issue 3 "NAT"): relay punches for announces we hold, punch when asked, ask when calling.</summary>
    public bool HolePunching { get; set; } = true;

    /// <summary>Seconds between keepalive pings to the nodes that hold our announce, while behind a NAT
    /// (default 25: under the 30 s after which many NATs forget an idle UDP mapping).</summary>
    public int KeepaliveSeconds { get; set; } = 25;

    public const int MaxKeepaliveSeconds = 3600;
}

/// <summary>One refused setting: the key (dotted path, as in the file) and why.</summary>
public sealed record ConfigError(string Key, string Reason)
{
    public override string ToString() => $"{Key}: {Reason}";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(DaemonConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext
{
}
