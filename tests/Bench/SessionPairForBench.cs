using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Media;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Bench;

/// <summary>Two session layers with an established session between them, over a <see cref="DirectLink"/>.</summary>
internal sealed class SessionPairForBench : IDisposable
{
    public static readonly PeerEndpoint CallerAddress = PeerEndpoint.Parse("127.0.0.1:40001");
    public static readonly PeerEndpoint CalleeAddress = PeerEndpoint.Parse("127.0.0.1:40002");

    private readonly IdentityKey _callerKey = IdentityKey.Generate();
    private readonly IdentityKey _calleeKey = IdentityKey.Generate();

    private SessionPairForBench()
    {
        var time = new FakeTimeProvider(1);
        Link = new DirectLink();
        var callerObserver = new BenchObserver();
        Observer = new BenchObserver();
        var callerHandler = new Forward();
        var calleeHandler = new Forward();
        CallerLayer = new SessionLayer(_callerKey, Link.Attach(CallerAddress, callerHandler), callerObserver, time, new DropCounters());
        CalleeLayer = new SessionLayer(_calleeKey, Link.Attach(CalleeAddress, calleeHandler), Observer, time, new DropCounters());
        callerHandler.Target = CallerLayer;
        calleeHandler.Target = CalleeLayer;
        Caller = CallerLayer.Connect(CalleeAddress, _calleeKey.Id);
        for (int i = 0; i < 10 && Link.Pump() > 0; i++)
        {
        }

        if (Caller.State != SessionState.Established || Observer.Established is null)
        {
            throw new InvalidOperationException("the bench's session pair did not establish");
        }
    }

    public DirectLink Link { get; }

    public SessionLayer CallerLayer { get; }

    public SessionLayer CalleeLayer { get; }

    public SecureSession Caller { get; }

    public BenchObserver Observer { get; }

    public static SessionPairForBench Establish() => new();

    /// <summary>Seals every payload again with fresh sequence numbers (a replay would be dropped).</summary>
    public void ResealFresh(byte[][] into, byte[][] payloads)
    {
        bool hold = Link.Hold;
        Link.Hold = true;
        for (int i = 0; i < into.Length; i++)
        {
            Caller.TrySendMedia(payloads[i]);
            Link.Last.AsSpan(0, Link.LastLength).CopyTo(into[i]);
        }

        Link.Hold = hold;
    }

    public void Dispose()
    {
        _callerKey.Dispose();
        _calleeKey.Dispose();
    }

    internal sealed class BenchObserver : ISessionObserver
    {
        public SecureSession? Established { get; private set; }

        public ReceiveStream? Sink { get; set; }

        public long Media { get; private set; }

        public void OnSessionEstablished(SecureSession session) => Established = session;

        public void OnSessionFailed(SecureSession session, SessionFailure failure, string message) =>
            throw new InvalidOperationException($"bench session failed: {failure}: {message}");

        public void OnMedia(SecureSession session, uint sequence, ReadOnlySpan<byte> payload)
        {
            Media++;
            Sink?.Push(sequence, payload);
        }

        public void OnSignal(SecureSession session, SignalMessage message)
        {
        }

        public void OnReport(SecureSession session, in ReceiverReport report)
        {
        }
    }

    private sealed class Forward : IDatagramHandler
    {
        public SessionLayer? Target { get; set; }

        public void Handle(ReadOnlySpan<byte> datagram, PeerEndpoint from) => Target!.Handle(datagram, from);
    }
}
