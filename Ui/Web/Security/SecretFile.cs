using System.Runtime.InteropServices;

namespace PicoTalk.Ui.Web.Security;

/// <summary>
/// Files that hold secrets (admin.json, session.key, https.pfx, setup-code): created 0600 from the
/// first byte and replaced atomically, so a power cut leaves the old file or the new one, never half
/// of either: write a temp file beside the target, fsync(2) it, rename(2) it over the target (atomic
/// on POSIX), then fsync the directory so the rename itself is on disk.
/// </summary>
internal static partial class SecretFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, ReadOnlySpan<byte> contents)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = OwnerOnly,
            }))
            {
                // A leftover temp file of a crashed run may have another mode: FileMode.Create keeps it.
                File.SetUnixFileMode(stream.SafeFileHandle, OwnerOnly);
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        SyncDirectory(directory);
    }

    /// <summary>Creates <paramref name="directory"/> (0700) if missing.</summary>
    public static void EnsureDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void SyncDirectory(string directory)
    {
        // open(2) with O_RDONLY (0) is enough to fsync a directory; .NET cannot open one as a stream.
        int fd = Open(directory, 0);
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
