using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Tests.Session;

internal sealed record Failure(SecureSession Session, SessionFailure Reason, string Message);

internal sealed record ReceivedMedia(SecureSession Session, uint Sequence, byte[] Payload);

internal sealed record ReceivedSignal(SecureSession Session, SignalMessage Message);

/// <summary>Records every callback of the session layer.</summary>
internal sealed class RecordingObserver : ISessionObserver
{
    public List<SecureSession> Established { get; } = new();

    public List<Failure> Failures { get; } = new();

    public List<ReceivedMedia> Media { get; } = new();

    public List<ReceivedSignal> Signals { get; } = new();

    /// <summary>When set, media is only counted (no allocation), for the allocation test.</summary>
    public bool CountMediaOnly { get; set; }

    public long MediaCount { get; private set; }

    public long MediaBytes { get; private set; }

    public int Callbacks => Established.Count + Failures.Count + Media.Count + Signals.Count + Reports.Count;

    public void OnSessionEstablished(SecureSession session) => Established.Add(session);

    public void OnSessionFailed(SecureSession session, SessionFailure failure, string message)
    {
        Assert.Equal(SessionState.Closed, session.State);
        Failures.Add(new Failure(session, failure, message));
    }

    public void OnMedia(SecureSession session, uint sequence, ReadOnlySpan<byte> payload)
    {
        MediaCount++;
        MediaBytes += payload.Length;
        if (!CountMediaOnly)
        {
            Media.Add(new ReceivedMedia(session, sequence, payload.ToArray()));
        }
    }

    public void OnSignal(SecureSession session, SignalMessage message) => Signals.Add(new ReceivedSignal(session, message));

    public List<(SecureSession Session, ReceiverReport Report)> Reports { get; } = new();

    public void OnReport(SecureSession session, in ReceiverReport report) => Reports.Add((session, report));
}
