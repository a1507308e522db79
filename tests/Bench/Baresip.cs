using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PicoTalk.Bench;

/// <summary>
/// One baresip process (Debian's baresip-core, the reference of issue 4's comparison) with a config
/// folder of its own (<c>baresip -f DIR</c>), set up for the call bench: no SIP server (an account
/// that never registers, answering by itself), Opus, mandatory SDES-SRTP, speech from a WAV file
/// (aufile) and playback through ALSA. Its standard output is kept for the checks and the report.
/// </summary>
/// <remarks>
/// The config keys are those of the template baresip 1.0 writes into an empty config folder and of
/// its opus module: <c>opus_bitrate</c>, <c>opus_complexity</c>, <c>opus_application</c>,
/// <c>opus_stereo</c>, <c>opus_sprop_stereo</c>; the account parameters (<c>regint</c>,
/// <c>answermode</c>, <c>mediaenc</c>) are those its accounts template lists.
/// </remarks>
internal sealed class Baresip : IDisposable
{
    /// <summary>Where Debian installs the modules (<c>module_path</c> of the default config).</summary>
    private const string ModulePath = "/usr/lib/baresip/modules";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private Baresip(Process process, string name)
    {
        _process = process;
        Name = name;
        Meter = new ProcessMeter(process.Id);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public ProcessMeter Meter { get; }

    /// <summary>Everything it printed so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts baresip as <c>sip:NAME@127.0.0.1:sipPort</c>; with <paramref name="dial"/> it calls
    /// that URI once it is ready (<c>-e "/dial URI"</c>, a command of the menu module).
    /// </summary>
    public static Baresip Start(string dir, string name, int sipPort, string wav, string alsaPcm, string asoundConfig, string? dial = null)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config"), Config(sipPort, wav, alsaPcm));
        File.WriteAllText(Path.Combine(dir, "accounts"),
            $"<sip:{name}@127.0.0.1:{sipPort}>;regint=0;answermode=auto;mediaenc=srtp-mand\n");
        File.WriteAllText(Path.Combine(dir, "contacts"), "");
        var start = new ProcessStartInfo("baresip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(dir);
        if (dial is not null)
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add("/dial " + dial);
        }

        start.Environment["ALSA_CONFIG_PATH"] = asoundConfig;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("could not start baresip");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("baresip is not installed: ./build.sh bench call installs Debian's baresip-core", e);
        }

        return new Baresip(process, name);
    }

    /// <summary>A UDP and TCP port free on 127.0.0.1 just now (baresip listens for SIP on both).</summary>
    public static int FreeSipPort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP: try another.
            }
        }
    }

    /// <summary>Waits until baresip has printed <paramref name="text"/>; throws with its output if it exits or the time runs out.</summary>
    public void WaitFor(string text, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || waited.Elapsed > timeout)
            {
                throw new InvalidOperationException(
                    $"baresip {Name} {(_process.HasExited ? $"exited (code {_process.ExitCode})" : "timed out")} before printing '{text}'; it printed:\n{Log}");
            }

            Thread.Sleep(50); // a benchmark driver polling a real process, not logic under test
        }
    }

    /// <summary>Throws, with its output, if baresip printed <paramref name="text"/>.</summary>
    public void EnsureNot(string text, string meaning)
    {
        if (Log.Contains(text, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"baresip {Name} printed '{text}' ({meaning}); it printed:\n{Log}");
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    /// <summary>
    /// The config file. Only the modules the call needs are loaded: no stdio (its input is not a
    /// terminal), no STUN, TURN or ICE (loopback needs no NAT traversal). The menu module's call
    /// status line, which it reprints every 100 ms during a call, is off: our daemons print nothing
    /// while in a call either. Opus runs in the mode our encoder uses (OPUS_APPLICATION_VOIP,
    /// Protocol/Media/OpusEncoder.cs) rather than baresip's default "audio", so both sides do the
    /// same codec work; mono, VBR, no in-band FEC and no DTX are baresip's defaults and ours.
    /// </summary>
    private static string Config(int sipPort, string wav, string alsaPcm) => $"""
        poll_method epoll
        sip_listen 127.0.0.1:{sipPort}
        call_local_timeout 120
        call_max_calls 1
        audio_player alsa,{alsaPcm}
        audio_alert alsa,{alsaPcm}
        audio_source aufile,{wav}
        ausrc_srate 48000
        auplay_srate 48000
        ausrc_channels 1
        auplay_channels 1
        audio_buffer 20-160
        rtp_stats yes
        module_path {ModulePath}
        module opus.so
        module srtp.so
        module aufile.so
        module alsa.so
        module_tmp account.so
        module_app menu.so
        statmode_default off
        opus_bitrate {CallBench.Bitrate}
        opus_complexity {CallBench.Complexity}
        opus_application voip
        opus_stereo no
        opus_sprop_stereo no

        """;

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
