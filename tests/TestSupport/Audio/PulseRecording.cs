using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PicoTalk.TestSupport.Audio;

/// <summary>
/// A parec(1) recording of a PulseAudio source, raw 48 kHz mono S16_LE, drained on a thread of its
/// own into a file (or discarded) so parec never blocks. Made by <see cref="PulseAudioServer.Record"/>.
/// </summary>
public sealed class PulseRecording : IDisposable
{
    private readonly Process _parec;
    private readonly Thread _drain;
    private readonly Stream _into;
    private long _received;
    private bool _stopped;

    internal PulseRecording(Process parec, string source, string? path, Action<string?> log)
    {
        _parec = parec;
        Source = source;
        Path = path;
        _into = path is null ? Stream.Null : File.Create(path);
        parec.ErrorDataReceived += (_, e) => log(e.Data is null ? null : $"parec {source}: {e.Data}");
        parec.BeginErrorReadLine();
        _drain = new Thread(Drain) { IsBackground = true, Name = "parec-drain" };
        _drain.Start();
    }

    public string Source { get; }

    /// <summary>The raw file, or null when the recording is discarded.</summary>
    public string? Path { get; }

    public long ReceivedBytes => Interlocked.Read(ref _received);

    /// <summary>Ends the recording and returns every sample recorded.</summary>
    public short[] StopAndRead()
    {
        Dispose();
        return Path is null ? [] : MemoryMarshal.Cast<byte, short>(File.ReadAllBytes(Path)).ToArray();
    }

    public void Dispose()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        try
        {
            if (!_parec.HasExited)
            {
                _parec.Kill();
                _parec.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _drain.Join(PulseAudioServer.StartGuard);
        _into.Dispose();
        _parec.Dispose();
    }

    private void Drain()
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = _parec.StandardOutput.BaseStream.Read(buffer)) > 0)
            {
                _into.Write(buffer, 0, n);
                Interlocked.Add(ref _received, n);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // parec was killed: the recording ends.
        }
    }
}
