namespace PicoTalk.Service.Config;

// Start-up: a damaged config.json falls back to config.json.last-good (issue 5 "a corrupt or
// half-written file on start is reported and the last good copy used").
public static partial class ConfigStore
{
    /// <summary>
    /// The config at <paramref name="path"/>, repaired if need be; <paramref name="warn"/> hears each
    /// repair, naming the file and the reason. In order:
    /// temp files a killed writer left are removed; a main file that reads and validates is used (and
    /// becomes the last-good copy if that differs); a main file that is unreadable, does not parse or
    /// does not validate is renamed to <c>config.json.bad</c> and replaced by a valid last-good copy;
    /// a missing main file is restored from a valid copy, or created with the defaults when there is no
    /// copy at all. With no usable file and a damaged one present, throws <see cref="ConfigException"/>
    /// naming both and changes nothing: defaults would silently drop the owner's contacts and settings.
    /// </summary>
    public static DaemonConfig LoadOrCreate(string path, Action<string>? warn = null)
    {
        warn ??= _ => { };
        string lastGood = path + LastGoodSuffix;
        foreach (string temp in AtomicFile.RemoveStaleTemps(path))
        {
            warn($"removed {temp}, left by a write that was interrupted");
        }

        bool haveMain = File.Exists(path);
        bool haveCopy = File.Exists(lastGood);
        if (!haveMain && !haveCopy)
        {
            var defaults = new DaemonConfig();
            if (Save(path, defaults) is { } copyProblem)
            {
                warn(copyProblem);
            }

            return defaults;
        }

        string? mainProblem = null;
        if (haveMain)
        {
            var (config, bytes, problem) = TryLoad(path);
            if (config is not null)
            {
                RefreshCopy(path, lastGood, bytes!, warn);
                return config;
            }

            mainProblem = problem;
        }

        var (copy, copyBytes, copyProblemText) = haveCopy ? TryLoad(lastGood) : (null, null, "does not exist");
        if (copy is null)
        {
            var errors = new List<ConfigError>();
            if (mainProblem is not null)
            {
                errors.Add(new ConfigError("(file)", mainProblem));
            }
            else
            {
                errors.Add(new ConfigError("(file)", "is missing"));
            }

            errors.Add(new ConfigError($"({Path.GetFileName(lastGood)})", copyProblemText!));
            throw new ConfigException(path, errors);
        }

        string reason = mainProblem ?? "is missing";
        if (haveMain)
        {
            // Kept for the owner to see what went wrong; a rename, so even an unreadable file moves.
            File.Move(path, path + BadSuffix, overwrite: true);
            reason += $"; kept it as {path + BadSuffix}";
        }

        AtomicFile.Write(path, copyBytes, Mode);
        warn($"config {path} {reason}; restored it from {lastGood}");
        return copy;
    }

    private static (DaemonConfig? Config, byte[]? Bytes, string? Problem) TryLoad(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null, $"cannot be read: {e.Message}");
        }

        try
        {
            return (Parse(path, bytes), bytes, null);
        }
        catch (ConfigException e)
        {
            return (null, null, bytes.Length == 0 ? "is empty" : "is not a valid config: " + string.Join("; ", e.Errors));
        }
    }

    /// <summary>Makes the copy hold what the main file holds, if it does not already (a copy that is
    /// missing, damaged, or a write behind after a kill between the two writes of <see cref="Save"/>).</summary>
    private static void RefreshCopy(string path, string lastGood, byte[] bytes, Action<string> warn)
    {
        try
        {
            if (File.Exists(lastGood) && File.ReadAllBytes(lastGood).AsSpan().SequenceEqual(bytes))
            {
                return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: rewrite it below.
        }

        if (TryWriteLastGood(path, bytes) is { } problem)
        {
            warn(problem);
        }
    }

    private static string? TryWriteLastGood(string path, byte[] bytes)
    {
        string lastGood = path + LastGoodSuffix;
        try
        {
            AtomicFile.Write(lastGood, bytes, Mode);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"config {path} was saved but its copy {lastGood} was not: {e.Message}";
        }
    }
}
