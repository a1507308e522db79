using PicoTalk.Protocol.Media;
using PicoTalk.Service.Config;

namespace PicoTalk.Integration.Tests;

/// <summary>What a perfect link would deliver: the reference that received audio is compared with.</summary>
public static class OpusReference
{
    /// <summary>The audio through an Opus encoder and decoder with the daemon's default settings.</summary>
    public static short[] ThroughOpus(short[] pcm)
    {
        var settings = new DaemonConfig().EncoderSettings();
        using var encoder = new OpusEncoder(settings);
        using var decoder = new OpusDecoder();
        int n = settings.FrameSamples;
        var packet = new byte[MediaConstants.MaxPacketBytes];
        var result = new short[pcm.Length / n * n];
        for (int i = 0; i + n <= pcm.Length; i += n)
        {
            int length = encoder.Encode(pcm.AsSpan(i, n), packet);
            decoder.Decode(packet.AsSpan(0, length), result.AsSpan(i, n));
        }

        return result;
    }
}
