namespace PicoTalk.Service.Config;

/// <summary>
/// Writes a file so that a power cut or a full disk leaves either the old or the new content, never
/// a mix (DESIGN.md, Standards: "Writes of state are atomic"): write a temp file in the same
/// directory with the final mode already set, fsync it, rename it over the target (atomic on POSIX,
/// rename(2)), then fsync the directory so the rename itself survives a power cut.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(directory, $"{TempPrefix(full)}{Environment.ProcessId}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = mode, // secrets are 0600 from their first byte, not chmod-ed later
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
            FsyncDirectory(directory);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteText(string path, string content, UnixFileMode mode) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(content), mode);

    private const string TempSuffix = ".tmp";

    /// <summary>Temp files of <paramref name="fullPath"/> are <c>.NAME.PID.GUID.tmp</c> beside it.</summary>
    private static string TempPrefix(string fullPath) => $".{Path.GetFileName(fullPath)}.";

    /// <summary>
    /// Deletes the temp files a writer of <paramref name="path"/> left behind when it was killed
    /// between creating its temp file and the rename (SIGKILL, a power cut). A temp file of a process
    /// that still runs is left alone: it may be writing. The names are returned for the log. Temp files
    /// of "NAME.last-good" start with ".NAME." too and are removed with them.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemps(string path)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string prefix = TempPrefix(full);
        var removed = new List<string>();
        if (!Directory.Exists(directory))
        {
            return removed;
        }

        foreach (string temp in Directory.EnumerateFiles(directory, prefix + "*" + TempSuffix))
        {
            if (WriterRuns(Path.GetFileName(temp)))
            {
                continue;
            }

            TryDelete(temp);
            removed.Add(temp);
        }

        return removed;
    }

    /// <summary>Whether the PID in a temp file's name (the third field from the end) is a live process
    /// other than this one (proc(5): /proc/PID exists while the process does).</summary>
    private static bool WriterRuns(string tempName)
    {
        string[] parts = tempName.Split('.');
        return parts.Length >= 4
            && int.TryParse(parts[^3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)
            && pid != Environment.ProcessId
            && Directory.Exists($"/proc/{pid}");
    }

    private static void FsyncDirectory(string directory)
    {
        int fd = LibC.open(directory, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to fsync it (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (LibC.fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            LibC.close(fd);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
