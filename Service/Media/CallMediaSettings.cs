using PicoTalk.Protocol.Media;

namespace PicoTalk.Service.Media;

/// <summary>How a call's media runs: the encoder it starts with, the jitter buffer, how the bitrate
/// follows the peer's reports and how often we report.</summary>
public sealed record CallMediaSettings(OpusEncoderSettings Encoder, PlayoutSettings Playout, BitrateSettings Bitrate)
{
    /// <summary>
    /// A receiver report every second. RFC 3550 §6.2 spreads RTCP to 5 % of the session bandwidth
    /// with a 5 s minimum for large sessions; a two-party call at 32 kbit/s can afford 1 s (48 bytes
    /// a second, 0.1 kbit/s sealed), and the bitrate then reacts to loss within a second or two.
    /// </summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(1);
}
