using System.Runtime.InteropServices;
using static PicoTalk.Hal.Audio.Alsa.AlsaNative;

namespace PicoTalk.Hal.Audio.Alsa;

/// <summary>One PCM name ALSA knows, for the configuration and the web page's device choice.</summary>
/// <param name="Name">What to put after <c>alsa:</c> (<c>default</c>, <c>plughw:CARD=Device,DEV=0</c>, <c>null</c>...).</param>
/// <param name="Description">ALSA's description; may hold a newline between card and device.</param>
public sealed record AlsaDeviceInfo(string Name, string? Description, bool CanCapture, bool CanPlay);

/// <summary>
/// The PCM names <c>arecord -L</c> and <c>aplay -L</c> print, from snd_device_name_hint(-1, "pcm")
/// (Name Hint Interface): the configuration's hinted PCMs and each card's devices.
/// </summary>
public static unsafe class AlsaDeviceList
{
    /// <exception cref="AlsaException">libasound is missing or the hint lookup failed.</exception>
    public static IReadOnlyList<AlsaDeviceInfo> List()
    {
        nint hints;
        int error;
        try
        {
            error = snd_device_name_hint(-1, "pcm", out hints);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new AlsaException("", $"listing ALSA devices: {MissingLibraryMessage}", 0, e);
        }

        if (error < 0)
        {
            throw new AlsaException("", $"listing ALSA devices failed: {ErrorText(error)} ({error})", error);
        }

        try
        {
            var devices = new List<AlsaDeviceInfo>();
            // A NULL-terminated array of hints.
            for (nint* hint = (nint*)hints; *hint != 0; hint++)
            {
                string? name = Take(*hint, "NAME");
                if (name is null)
                {
                    continue;
                }

                string? description = Take(*hint, "DESC");
                // "Input" or "Output"; NULL means the device does both.
                string? direction = Take(*hint, "IOID");
                devices.Add(new AlsaDeviceInfo(name, description, direction is null or "Input", direction is null or "Output"));
            }

            return devices;
        }
        finally
        {
            snd_device_name_free_hint(hints);
        }
    }

    /// <summary>One hint value; snd_device_name_get_hint returns a malloc'd copy the caller frees.</summary>
    private static string? Take(nint hint, string id)
    {
        nint value = snd_device_name_get_hint(hint, id);
        if (value == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(value);
        }
        finally
        {
            NativeMemory.Free((void*)value);
        }
    }
}
