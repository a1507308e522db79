using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using PicoTalk.Hal.Audio;

namespace PicoTalk.TestSupport;

/// <summary>
/// Real speech for tests, synthesised at test time (DESIGN.md "Testing without the hardware"):
/// <c>espeak-ng -w tmp.wav TEXT</c> (espeak-ng(1)), then <c>sox tmp.wav -r 48000 -c 1 -b 16 out.wav</c>
/// (sox(1)) to the appliance's format. Each (text, voice) is made once per test run and cached in a
/// folder under the temp directory that is removed when the process exits. Installs nothing: if a
/// tool is missing it throws, saying what to install (build.sh deps installs both).
/// </summary>
public static class Speech
{
    /// <summary>What the caller says (one direction of a test call).</summary>
    public const string CallerSentence = "Hello, this is the front door. A parcel has arrived for you, please come down.";

    /// <summary>What the callee says (the other direction): different words, a different voice.</summary>
    public const string CalleeSentence = "Thank you, I am on my way. Please wait by the gate for two minutes.";

    /// <summary>Voice of <see cref="CalleeSentence"/> in <see cref="Callee"/> (espeak-ng variant syntax).</summary>
    public const string CalleeVoice = "en+f3";

    private static readonly object Gate = new();
    private static readonly Lazy<string> CacheDirectory = new(CreateCacheDirectory);

    /// <summary>Path of a 48 kHz mono 16-bit WAV of <see cref="CallerSentence"/>.</summary>
    public static string Caller => WavFile(CallerSentence);

    /// <summary>Path of a 48 kHz mono 16-bit WAV of <see cref="CalleeSentence"/> in <see cref="CalleeVoice"/>.</summary>
    public static string Callee => WavFile(CalleeSentence, CalleeVoice);

    /// <summary>True when both espeak-ng and sox are on PATH.</summary>
    public static bool ToolsAvailable => FindOnPath("espeak-ng") is not null && FindOnPath("sox") is not null;

    /// <summary>Path of a cached 48 kHz mono 16-bit WAV of <paramref name="text"/> spoken by espeak-ng.</summary>
    /// <exception cref="InvalidOperationException">espeak-ng or sox is missing or failed.</exception>
    public static string WavFile(string text, string? voice = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{voice}\n{text}")))[..16];
        string output = Path.Combine(CacheDirectory.Value, key + ".wav");
        lock (Gate)
        {
            if (File.Exists(output))
            {
                return output;
            }

            string espeak = Require("espeak-ng");
            string sox = Require("sox");
            string raw = Path.Combine(CacheDirectory.Value, key + ".espeak.wav");
            string converting = Path.Combine(CacheDirectory.Value, key + ".tmp.wav");
            var espeakArgs = new List<string> { "-w", raw };
            if (voice is not null)
            {
                espeakArgs.AddRange(["-v", voice]);
            }

            espeakArgs.Add(text);
            Run(espeak, espeakArgs);
            Run(sox, [raw, "-r", AudioFormat.SampleRate.ToString(), "-c", "1", "-b", "16", converting]);
            File.Delete(raw);
            // Renamed into place only when complete, so a cached file is never a partial one.
            File.Move(converting, output);
            return output;
        }
    }

    /// <summary>The samples of <see cref="WavFile"/>.</summary>
    public static short[] Samples(string text, string? voice = null) => WavReader.ReadAll(WavFile(text, voice));

    private static string Require(string tool) => FindOnPath(tool) ?? throw new InvalidOperationException(
        $"{tool} is not installed (not found on PATH). Speech for tests needs espeak-ng and sox: " +
        "run ./build.sh deps, or apt-get install espeak-ng sox.");

    private static string? FindOnPath(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static void Run(string tool, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        // A guard against a hung tool, not a timing assumption: synthesis takes well under a second.
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} did not finish within a minute");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{tool} {string.Join(' ', start.ArgumentList)} failed with exit code {process.ExitCode}: {stderr.GetAwaiter().GetResult().Trim()}");
        }
    }

    private static string CreateCacheDirectory()
    {
        string path = Directory.CreateTempSubdirectory($"picotalk-speech-{Environment.ProcessId}-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort at exit: a leftover folder in /tmp is harmless.
            }
        };
        return path;
    }
}
