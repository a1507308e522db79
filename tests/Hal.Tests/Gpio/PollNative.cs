using System.Runtime.InteropServices;

namespace PicoTalk.Hal.Tests.Gpio;

/// <summary>poll(2), as the daemon's event loop calls it on <c>IGpioInputs.PollDescriptor</c>.</summary>
internal static unsafe partial class PollNative
{
    /// <summary>POLLIN (asm-generic/poll.h).</summary>
    public const short PollIn = 0x1;

    /// <summary>Polls <paramref name="fd"/> for POLLIN; returns the revents, 0 on timeout.</summary>
    public static short WaitReadable(int fd, int timeoutMs)
    {
        var entry = new PollFd { Fd = fd, Events = PollIn };
        int result = Poll(&entry, 1, timeoutMs);
        Assert.True(result >= 0, $"poll failed: errno {Marshal.GetLastPInvokeError()}");
        return result == 0 ? (short)0 : entry.Revents;
    }

    public static bool IsReadable(int fd) => (WaitReadable(fd, 0) & PollIn) != 0;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    /// <summary>struct pollfd (poll.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
