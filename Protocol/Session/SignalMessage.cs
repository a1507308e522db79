using System.Text;
using System.Text.Unicode;

namespace PicoTalk.Protocol.Session;

/// <summary>In-band call signalling, carried encrypted in Control packets (DESIGN.md "Session layer").</summary>
public enum SignalKind : byte
{
    /// <summary>Holds the NAT binding and proves liveness; consumed by the session layer.</summary>
    Keepalive = 0,

    /// <summary>A call; text = the caller's display name.</summary>
    Invite = 1,

    /// <summary>The callee is ringing.</summary>
    Ringing = 2,

    /// <summary>The callee answered.</summary>
    Answer = 3,

    /// <summary>The callee declined; text = reason.</summary>
    Reject = 4,

    /// <summary>The callee is in another call.</summary>
    Busy = 5,

    /// <summary>Either side ends the call; text = reason.</summary>
    Hangup = 6,

    /// <summary>Acknowledges a Hangup.</summary>
    HangupAck = 7,

    // 8 is a receiver report (ReceiverReport.Kind), which shares the Control stream's kind byte.

    /// <summary>In a call: asks the peer to pulse its door relay; text = the request's number
    /// (decimal), repeated until answered, so a repeat never pulses twice.</summary>
    OpenDoor = 9,

    /// <summary>Answers <see cref="OpenDoor"/>; text = "NUMBER ok" or "NUMBER refused: reason".</summary>
    DoorResult = 10,
}

/// <summary>
/// One signal: the plaintext of a Control packet.
/// </summary>
/// <remarks>
/// <code>
///  0      1         2
/// +------+---------+---------------------------+
/// | kind | textLen | text (UTF-8, 0..64 bytes) |
/// +------+---------+---------------------------+
/// </code>
/// An empty text is read back as null. Unknown kinds are refused by <see cref="TryRead"/> (the
/// session layer drops and counts them as Malformed), so newer peers can add kinds.
/// </remarks>
public readonly record struct SignalMessage(SignalKind Kind, string? Text)
{
    public const int KindOffset = 0;
    public const int TextLengthOffset = 1;
    public const int TextOffset = 2;
    public const int HeaderSize = TextOffset;
    public const int MaxTextBytes = 64;
    public const int MaxSize = HeaderSize + MaxTextBytes;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsKnownKind(SignalKind kind) => kind <= SignalKind.HangupAck || kind is SignalKind.OpenDoor or SignalKind.DoorResult;

    public static bool TryRead(ReadOnlySpan<byte> plaintext, out SignalMessage message)
    {
        message = default;
        if (plaintext.Length < HeaderSize)
        {
            return false;
        }

        var kind = (SignalKind)plaintext[KindOffset];
        int textLength = plaintext[TextLengthOffset];
        if (!IsKnownKind(kind) || textLength > MaxTextBytes || plaintext.Length != HeaderSize + textLength)
        {
            return false;
        }

        var text = plaintext.Slice(TextOffset, textLength);
        if (!Utf8.IsValid(text))
        {
            return false;
        }

        message = new SignalMessage(kind, textLength == 0 ? null : StrictUtf8.GetString(text));
        return true;
    }

    /// <summary>Returns the bytes written. Throws for an unknown kind or a text over 64 UTF-8 bytes.</summary>
    public static int Write(SignalMessage message, Span<byte> destination)
    {
        if (!IsKnownKind(message.Kind))
        {
            throw new ArgumentException($"unknown signal kind {(byte)message.Kind}", nameof(message));
        }

        string text = message.Text ?? string.Empty;
        int textLength = StrictUtf8.GetByteCount(text);
        if (textLength > MaxTextBytes)
        {
            throw new ArgumentException(
                $"signal text is {textLength} UTF-8 bytes; at most {MaxTextBytes} fit", nameof(message));
        }

        if (destination.Length < HeaderSize + textLength)
        {
            throw new ArgumentException($"a signal needs {HeaderSize + textLength} bytes", nameof(destination));
        }

        destination[KindOffset] = (byte)message.Kind;
        destination[TextLengthOffset] = (byte)textLength;
        StrictUtf8.GetBytes(text, destination.Slice(TextOffset, textLength));
        return HeaderSize + textLength;
    }
}
