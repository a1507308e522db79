namespace PicoTalk.Protocol.Media;

/// <summary>
/// A libopus decoder: 48 kHz, mono. Losses are concealed (<see cref="Conceal"/>) or rebuilt from
/// the next packet's in-band FEC (<see cref="DecodeFec"/>); the decoder is never reset on a gap,
/// because its state is what makes concealment and the frames after it sound continuous (the
/// reference design's reset-on-gap defect, DESIGN.md "Media layer"). Used by one thread; no
/// managed allocation per call.
/// </summary>
public sealed unsafe class OpusDecoder : IDisposable
{
    private readonly OpusDecoderHandle _handle;

    public OpusDecoder()
    {
        _handle = OpusNative.opus_decoder_create(MediaConstants.SampleRate, MediaConstants.Channels, out int error);
        if (error != OpusNative.Ok || _handle.IsInvalid)
        {
            _handle.Dispose();
            throw new OpusException("opus_decoder_create", error);
        }
    }

    /// <summary>Samples produced by the last decode, FEC or concealment (OPUS_GET_LAST_PACKET_DURATION).</summary>
    public int LastPacketDurationSamples
    {
        get
        {
            OpusException.ThrowIfError(OpusNative.opus_decoder_ctl(_handle, OpusNative.GetLastPacketDurationRequest, out int value), "OPUS_GET_LAST_PACKET_DURATION");
            return value;
        }
    }

    /// <summary>
    /// Samples at 48 kHz in <paramref name="packet"/> (opus_packet_get_nb_samples, from the TOC byte and
    /// frame count, RFC 6716 §3.1), or a negative error code for an empty or malformed packet. Never throws.
    /// </summary>
    public static int GetSampleCount(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return -1; // OPUS_BAD_ARG, without a native call for the obvious case
        }

        fixed (byte* p = packet)
        {
            return OpusNative.opus_packet_get_nb_samples(p, packet.Length, MediaConstants.SampleRate);
        }
    }

    /// <summary>Decodes <paramref name="packet"/> into <paramref name="pcm"/>; returns the samples written.</summary>
    public int Decode(ReadOnlySpan<byte> packet, Span<short> pcm)
    {
        RequireNonEmpty(packet, nameof(packet));
        return OpusException.ThrowIfError(Run(packet, pcm, decodeFec: 0), "opus_decode");
    }

    /// <summary>
    /// Packet loss concealment for one missing frame of exactly <c>pcm.Length</c> samples (opus_decode with
    /// data NULL, len 0). The length must be a multiple of 2.5 ms (120 samples).
    /// </summary>
    public int Conceal(Span<short> pcm)
    {
        RequireConcealLength(pcm);
        return OpusException.ThrowIfError(Run(ReadOnlySpan<byte>.Empty, pcm, decodeFec: 0), "opus_decode (PLC)");
    }

    /// <summary>
    /// Rebuilds the frame BEFORE <paramref name="nextPacket"/> from the packet's in-band FEC data
    /// (decode_fec = 1, RFC 6716 §2.1.7). Without FEC data libopus conceals instead. Afterwards
    /// <paramref name="nextPacket"/> must still be decoded normally with <see cref="Decode"/>.
    /// </summary>
    public int DecodeFec(ReadOnlySpan<byte> nextPacket, Span<short> pcm)
    {
        RequireNonEmpty(nextPacket, nameof(nextPacket));
        RequireConcealLength(pcm);
        return OpusException.ThrowIfError(Run(nextPacket, pcm, decodeFec: 1), "opus_decode (FEC)");
    }

    /// <summary>As <see cref="Decode"/> (or <see cref="DecodeFec"/>) but returns the negative error code
    /// instead of throwing: the receive path drops malformed packets without exceptions.</summary>
    internal int TryDecode(ReadOnlySpan<byte> packet, Span<short> pcm, bool fec) =>
        packet.IsEmpty ? -1 : Run(packet, pcm, fec ? 1 : 0);

    /// <summary>As <see cref="Conceal"/> but returns the negative error code instead of throwing.</summary>
    internal int TryConceal(Span<short> pcm) => Run(ReadOnlySpan<byte>.Empty, pcm, decodeFec: 0);

    public void Dispose() => _handle.Dispose();

    private int Run(ReadOnlySpan<byte> packet, Span<short> pcm, int decodeFec)
    {
        if (pcm.IsEmpty)
        {
            throw new ArgumentException("the PCM buffer is empty", nameof(pcm));
        }

        fixed (byte* data = packet)
        fixed (short* output = pcm)
        {
            // An empty span pins to null, which is how opus_decode is told the packet was lost.
            return OpusNative.opus_decode(_handle, packet.IsEmpty ? null : data, packet.Length, output, pcm.Length, decodeFec);
        }
    }

    private static void RequireNonEmpty(ReadOnlySpan<byte> packet, string name)
    {
        if (packet.IsEmpty)
        {
            throw new ArgumentException("an Opus packet is at least one byte (the TOC, RFC 6716 §3.1)", name);
        }
    }

    private static void RequireConcealLength(Span<short> pcm)
    {
        // opus_decode: "for the PLC and FEC cases, frame_size must be a multiple of 2.5 ms".
        const int samplesPer2500Us = MediaConstants.SampleRate / 400;
        if (pcm.Length == 0 || pcm.Length % samplesPer2500Us != 0)
        {
            throw new ArgumentException($"a concealed frame is a multiple of 2.5 ms ({samplesPer2500Us} samples), got {pcm.Length}", nameof(pcm));
        }
    }
}
