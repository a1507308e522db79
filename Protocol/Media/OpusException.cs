namespace PicoTalk.Protocol.Media;

/// <summary>
/// A libopus call returned an error code (opus_defines.h "Error codes"); the message is
/// opus_strerror's text for it.
/// </summary>
public sealed class OpusException : Exception
{
    public OpusException(string operation, int errorCode)
        : base($"{operation} failed: {OpusNative.ErrorText(errorCode)} ({errorCode})")
    {
        ErrorCode = errorCode;
    }

    /// <summary>The negative OPUS_* error code (OPUS_BAD_ARG = -1, OPUS_BUFFER_TOO_SMALL = -2, ...).</summary>
    public int ErrorCode { get; }

    /// <summary>Throws when <paramref name="result"/> is negative; returns it otherwise.</summary>
    internal static int ThrowIfError(int result, string operation)
    {
        if (result < 0)
        {
            throw new OpusException(operation, result);
        }

        return result;
    }
}
