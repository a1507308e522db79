using System.Runtime.InteropServices;

namespace PicoTalk.Service.Net;

/// <summary>recvfrom(2) with MSG_DONTWAIT: .NET's Socket.ReceiveFrom reports "nothing left" on a
/// non-blocking socket by throwing, which would cost an exception per readable turn of the loop.</summary>
internal static unsafe partial class SocketNative
{
    // <sys/socket.h> and <errno.h>, the same on x86-64 and arm64.
    public const int MSG_DONTWAIT = 0x40;
    public const int EINTR = 4;
    public const int EAGAIN = 11;

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    public static partial nint recvfrom(int fd, byte* buffer, nuint length, int flags, byte* address, uint* addressLength);
}
