using System.Runtime.InteropServices;

namespace PicoTalk.Hal.Gpio;

/// <summary>
/// The libc calls the GPIO code makes, one declaration each (signatures from open(2), close(2),
/// read(2), write(2), ioctl(2), fcntl(2), eventfd(2)). <c>ioctl</c> and <c>fcntl</c> are variadic in C;
/// each is declared with the one fixed argument shape used here (a pointer, an int), which the Linux
/// calling conventions of arm, arm64 and x86-64 pass like an ordinary argument. Every call sets errno
/// (SetLastError), which <see cref="Error"/> turns into an <see cref="IOException"/>.
/// </summary>
/// <remarks>
/// The constants are Linux's asm-generic values, used by arm, arm64 and x86-64 (not alpha, mips,
/// parisc, sparc); GpioLayoutTests checks each against the C headers of the machine it runs on.
/// </remarks>
internal static unsafe partial class GpioNative
{
    private const string Libc = "libc";

    // ---- fcntl.h / asm-generic/fcntl.h ----

    /// <summary>O_RDWR: the uAPI line requests need the chip opened for writing too.</summary>
    public const int O_RDWR = 0x2;

    /// <summary>O_NONBLOCK (octal 04000): read(2) of a line request returns EAGAIN instead of waiting.</summary>
    public const int O_NONBLOCK = 0x800;

    /// <summary>O_CLOEXEC (octal 02000000): no descriptor leaks into a child process.</summary>
    public const int O_CLOEXEC = 0x80000;

    public const int F_GETFL = 3;

    public const int F_SETFL = 4;

    // ---- sys/eventfd.h: EFD_* are defined as the O_* flags of the same meaning ----

    public const int EFD_NONBLOCK = O_NONBLOCK;

    public const int EFD_CLOEXEC = O_CLOEXEC;

    // ---- asm-generic/errno-base.h ----

    public const int EINTR = 4;

    public const int EAGAIN = 11;

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    /// <summary><c>int ioctl(int fd, unsigned long request, void *arg)</c>.</summary>
    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary><c>int fcntl(int fd, int cmd, int arg)</c>, for F_GETFL (arg ignored) and F_SETFL.</summary>
    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);

    /// <summary>The errno of the last call, as an exception naming <paramref name="what"/> failed and where.</summary>
    public static IOException Error(string what) => Error(what, Marshal.GetLastPInvokeError());

    public static IOException Error(string what, int errno) =>
        new($"{what}: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");

    /// <summary>Sets O_NONBLOCK on <paramref name="fd"/>, keeping its other status flags (fcntl(2)).</summary>
    public static bool TrySetNonBlocking(int fd)
    {
        int flags = Fcntl(fd, F_GETFL, 0);
        return flags >= 0 && Fcntl(fd, F_SETFL, flags | O_NONBLOCK) >= 0;
    }

    /// <summary>Closes <paramref name="fd"/>. Linux releases the descriptor even when close(2) fails
    /// (EINTR included), so there is nothing to retry or report on a dispose path.</summary>
    public static void CloseQuietly(int fd)
    {
        if (fd >= 0)
        {
            _ = Close(fd);
        }
    }
}
