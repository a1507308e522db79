using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Identity;

/// <summary>
/// Keeps the appliance's identity key in the state directory: PKCS#8 PEM, file mode 0600, created on
/// first start (DESIGN.md "Crypto rules"). The node ID is SHA-1 of its public key, so losing this
/// file means a new ID that contacts no longer know: it is written atomically and never rewritten.
/// </summary>
public static class IdentityStore
{
    public const string FileName = "identity.pem";

    public static IdentityKey LoadOrCreate(string stateDirectory, Action<string> log)
    {
        string path = Path.Combine(stateDirectory, FileName);
        if (File.Exists(path))
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                // Secrets are owner-only; tighten rather than refuse, and say so.
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                log($"identity {path} was readable by others (mode {Convert.ToString((int)mode, 8)}); now 0600");
            }

            try
            {
                return IdentityKey.FromPkcs8Pem(File.ReadAllText(path));
            }
            catch (Exception e) when (e is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
            {
                throw new InvalidDataException($"identity {path} is not a usable P-256 PKCS#8 PEM key: {e.Message}. " +
                    "Restore it from a backup, or delete it to create a new identity (the appliance's ID will change).", e);
            }
        }

        var key = IdentityKey.Generate();
        AtomicFile.WriteText(path, key.ToPkcs8Pem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        log($"created identity {path}, id {key.Id}");
        return key;
    }
}
