using System.Runtime.InteropServices;

namespace PicoTalk.Service.Loop;

/// <summary>
/// The libc calls the event loop sleeps in: poll(2) over an eventfd(2) (woken by posts from other
/// threads) and the file descriptors it watches (the UDP socket). poll rather than epoll because
/// the loop watches two or three descriptors, and <c>struct pollfd</c> has one layout on every Linux
/// architecture, while <c>struct epoll_event</c> is packed on x86-64 only.
/// </summary>
internal static unsafe partial class LoopNative
{
    // <poll.h>, the same on x86-64 and arm64.
    public const short POLLIN = 0x001;
    public const short POLLERR = 0x008;
    public const short POLLHUP = 0x010;
    public const short POLLNVAL = 0x020;

    // <sys/eventfd.h>: EFD_NONBLOCK is O_NONBLOCK and EFD_CLOEXEC is O_CLOEXEC, the same on
    // x86-64 and arm64 (they differ on alpha, mips, parisc and sparc).
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    // <errno.h>
    public const int EINTR = 4;
    public const int EAGAIN = 11;

    /// <summary><c>struct pollfd</c> (poll(2)).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int eventfd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);
}
