using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Identity;

/// <summary>
/// Keeps the appliance's identity key in the state directory: PKCS#8 PEM, file mode 0600, created on
/// first start (DESIGN.md "Crypto rules"). The node ID is SHA-1 of its public key, so losing this
/// file means a new ID that contacts no longer know: it is written atomically, never rewritten, and a
/// second copy (<c>identity.pem.last-good</c>, also 0600) restores it if it is damaged. A new identity
/// is made only when neither file exists; a damaged key without a usable copy stops the start.
/// </summary>
public static class IdentityStore
{
    public const string FileName = "identity.pem";

    public const string LastGoodFileName = FileName + ConfigStore.LastGoodSuffix;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static IdentityKey LoadOrCreate(string stateDirectory, Action<string> log)
    {
        string path = Path.Combine(stateDirectory, FileName);
        string lastGood = Path.Combine(stateDirectory, LastGoodFileName);
        // Temp files of an interrupted write hold a private key: remove them (".identity.pem.*.tmp"
        // also covers the copy's).
        foreach (string temp in AtomicFile.RemoveStaleTemps(path))
        {
            log($"removed {temp}, left by a write that was interrupted");
        }

        bool haveMain = File.Exists(path);
        bool haveCopy = File.Exists(lastGood);
        if (!haveMain && !haveCopy)
        {
            var created = IdentityKey.Generate();
            string pem = created.ToPkcs8Pem();
            // The main file first: a kill between the two writes leaves a key the next start copies.
            AtomicFile.WriteText(path, pem, OwnerOnly);
            AtomicFile.WriteText(lastGood, pem, OwnerOnly);
            log($"created identity {path}, id {created.Id}");
            return created;
        }

        Exception? damage = null;
        if (haveMain)
        {
            Tighten(path, log);
            var (key, text, problem) = TryLoad(path);
            if (key is not null)
            {
                KeepCopy(lastGood, text!, log);
                return key;
            }

            damage = problem;
        }

        var (copy, copyText, _) = haveCopy ? TryLoad(lastGood) : (null, null, null);
        if (copy is null)
        {
            string why = damage is null ? "is missing and its copy is damaged" : $"is not a usable P-256 PKCS#8 PEM key: {damage.Message}";
            throw new InvalidDataException($"identity {path} {why}. " +
                "Restore it from a backup, or delete it to create a new identity (the appliance's ID will change).", damage);
        }

        if (haveMain)
        {
            File.Move(path, path + ConfigStore.BadSuffix, overwrite: true);
        }

        AtomicFile.WriteText(path, copyText!, OwnerOnly);
        log(damage is null
            ? $"identity {path} was missing; restored it from {lastGood}, id {copy.Id}"
            : $"identity {path} is damaged ({damage.Message}); kept it as {path + ConfigStore.BadSuffix} and restored it from {lastGood}, id {copy.Id}");
        return copy;
    }

    /// <summary>Secrets are owner-only; tighten rather than refuse, and say so.</summary>
    private static void Tighten(string path, Action<string> log)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
            log($"identity {path} was readable by others (mode {Convert.ToString((int)mode, 8)}); now 0600");
        }
    }

    private static (IdentityKey? Key, string? Text, Exception? Problem) TryLoad(string path)
    {
        try
        {
            string text = File.ReadAllText(path);
            return (IdentityKey.FromPkcs8Pem(text), text, null);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException
            or IOException or UnauthorizedAccessException)
        {
            return (null, null, e);
        }
    }

    /// <summary>Writes the copy when it is missing or differs (an identity made before copies were
    /// kept, or a kill between the two writes at creation).</summary>
    private static void KeepCopy(string lastGood, string text, Action<string> log)
    {
        try
        {
            if (File.Exists(lastGood) && File.ReadAllText(lastGood) == text)
            {
                return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: rewrite it.
        }

        try
        {
            AtomicFile.WriteText(lastGood, text, OwnerOnly);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"identity copy {lastGood} could not be written: {e.Message}");
        }
    }
}
