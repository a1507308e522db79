using System.Runtime.InteropServices;

namespace PicoTalk.Service.Config;

/// <summary>The few libc calls .NET does not expose: fsync(2) of a directory.</summary>
internal static partial class LibC
{
    // Linux <fcntl.h>; these two are the same on x86-64 and arm64 (O_DIRECTORY is not, so it is
    // not used: open(2) of a directory with O_RDONLY is enough for fsync).
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);
}
