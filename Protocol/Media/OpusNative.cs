using System.Runtime.InteropServices;

namespace PicoTalk.Protocol.Media;

/// <summary>
/// The libopus entry points the media layer uses (opus.h, Opus 1.3 API), one declaration each.
/// Buffers are raw pointers so that callers pin their spans with <c>fixed</c> and no marshalling
/// stub allocates on the per-frame path.
/// </summary>
/// <remarks>
/// <c>opus_encoder_ctl</c> and <c>opus_decoder_ctl</c> are C variadic functions. .NET cannot call
/// a variadic function as such, so each argument shape is declared as a fixed overload. On the
/// Linux ABIs we run on (x86-64 System V, AArch64 and ARM EABI) a variadic <c>int</c> or pointer
/// argument travels in the same register as a fixed one, so the fixed overloads are sound there.
/// (Apple's AArch64 ABI passes variadic arguments on the stack; it is not a target.)
/// </remarks>
internal static unsafe partial class OpusNative
{
    private const string Library = "libopus.so.0";

    // ---- Constants from /usr/include/opus/opus_defines.h (libopus 1.3) ----

    /// <summary>OPUS_OK: no error.</summary>
    public const int Ok = 0;

    /// <summary>OPUS_APPLICATION_VOIP: favour speech intelligibility.</summary>
    public const int ApplicationVoip = 2048;

    /// <summary>OPUS_SET_BITRATE_REQUEST (int, bits per second).</summary>
    public const int SetBitrateRequest = 4002;

    /// <summary>OPUS_GET_BITRATE_REQUEST (int*).</summary>
    public const int GetBitrateRequest = 4003;

    /// <summary>OPUS_SET_VBR_REQUEST (int, 0 = CBR, 1 = VBR).</summary>
    public const int SetVbrRequest = 4006;

    /// <summary>OPUS_SET_COMPLEXITY_REQUEST (int, 0..10).</summary>
    public const int SetComplexityRequest = 4010;

    /// <summary>OPUS_SET_INBAND_FEC_REQUEST (int, 0 or 1).</summary>
    public const int SetInbandFecRequest = 4012;

    /// <summary>OPUS_SET_PACKET_LOSS_PERC_REQUEST (int, 0..100).</summary>
    public const int SetPacketLossPercRequest = 4014;

    /// <summary>OPUS_SET_DTX_REQUEST (int, 0 or 1).</summary>
    public const int SetDtxRequest = 4016;

    /// <summary>OPUS_GET_LOOKAHEAD_REQUEST (int*): the encoder's delay in samples.</summary>
    public const int GetLookaheadRequest = 4027;

    /// <summary>OPUS_GET_LAST_PACKET_DURATION_REQUEST (int*): samples of the last decode or PLC.</summary>
    public const int GetLastPacketDurationRequest = 4039;

    // ---- Encoder (opus.h "Opus Encoder") ----

    [LibraryImport(Library)]
    internal static partial OpusEncoderHandle opus_encoder_create(int fs, int channels, int application, out int error);

    /// <returns>Bytes written to <paramref name="data"/>, or a negative error code.</returns>
    [LibraryImport(Library)]
    internal static partial int opus_encode(OpusEncoderHandle st, short* pcm, int frameSize, byte* data, int maxDataBytes);

    [LibraryImport(Library)]
    internal static partial void opus_encoder_destroy(nint st);

    /// <summary>opus_encoder_ctl(st, request, opus_int32 value): the OPUS_SET_* shape.</summary>
    [LibraryImport(Library)]
    internal static partial int opus_encoder_ctl(OpusEncoderHandle st, int request, int value);

    /// <summary>opus_encoder_ctl(st, request, opus_int32* value): the OPUS_GET_* shape.</summary>
    [LibraryImport(Library)]
    internal static partial int opus_encoder_ctl(OpusEncoderHandle st, int request, out int value);

    // ---- Decoder (opus.h "Opus Decoder") ----

    [LibraryImport(Library)]
    internal static partial OpusDecoderHandle opus_decoder_create(int fs, int channels, out int error);

    /// <param name="data">The packet, or null with <paramref name="len"/> 0 for packet loss concealment.</param>
    /// <param name="frameSize">Samples of room in <paramref name="pcm"/>; for PLC and FEC exactly the missing duration.</param>
    /// <param name="decodeFec">1: decode the in-band FEC data of <paramref name="data"/> (the frame before it).</param>
    /// <returns>Samples decoded, or a negative error code.</returns>
    [LibraryImport(Library)]
    internal static partial int opus_decode(OpusDecoderHandle st, byte* data, int len, short* pcm, int frameSize, int decodeFec);

    [LibraryImport(Library)]
    internal static partial void opus_decoder_destroy(nint st);

    /// <summary>opus_decoder_ctl(st, request, opus_int32* value): the OPUS_GET_* shape.</summary>
    [LibraryImport(Library)]
    internal static partial int opus_decoder_ctl(OpusDecoderHandle st, int request, out int value);

    // ---- Packet inspection and library facts ----

    /// <returns>Samples in the packet at <paramref name="fs"/>, or OPUS_BAD_ARG / OPUS_INVALID_PACKET.</returns>
    [LibraryImport(Library)]
    internal static partial int opus_packet_get_nb_samples(byte* packet, int len, int fs);

    /// <summary>Returns a pointer to a static string: never freed, hence not marshalled as <c>string</c>.</summary>
    [LibraryImport(Library)]
    private static partial byte* opus_strerror(int error);

    [LibraryImport(Library)]
    private static partial byte* opus_get_version_string();

    internal static string ErrorText(int error) => Marshal.PtrToStringUTF8((nint)opus_strerror(error)) ?? "unknown error";

    internal static string VersionText() => Marshal.PtrToStringUTF8((nint)opus_get_version_string()) ?? "unknown";
}

/// <summary>An OpusEncoder* from opus_encoder_create, destroyed exactly once.</summary>
internal sealed class OpusEncoderHandle : SafeHandle
{
    public OpusEncoderHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OpusNative.opus_encoder_destroy(handle);
        return true;
    }
}

/// <summary>An OpusDecoder* from opus_decoder_create, destroyed exactly once.</summary>
internal sealed class OpusDecoderHandle : SafeHandle
{
    public OpusDecoderHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OpusNative.opus_decoder_destroy(handle);
        return true;
    }
}
