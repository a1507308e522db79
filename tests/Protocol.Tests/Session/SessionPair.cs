using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Session;
using PicoTalk.Protocol.Wire;
using PicoTalk.TestSupport;

namespace PicoTalk.Protocol.Tests.Session;

/// <summary>Two session layers, A (10.0.0.1) and B (10.0.0.2), back to back over a <see cref="TestNetwork"/>.</summary>
internal sealed class SessionPair : IDisposable
{
    public static readonly PeerEndpoint EndpointA = PeerEndpoint.Parse("10.0.0.1:5004");
    public static readonly PeerEndpoint EndpointB = PeerEndpoint.Parse("10.0.0.2:5004");

    public SessionPair(SessionOptions? options = null, int seed = 1)
    {
        Time = new FakeTimeProvider(seed);
        IdentityA = IdentityKey.Generate();
        IdentityB = IdentityKey.Generate();
        A = new SessionLayer(IdentityA, Network.SenderFor(EndpointA), ObserverA, Time, DropsA, options);
        B = new SessionLayer(IdentityB, Network.SenderFor(EndpointB), ObserverB, Time, DropsB, options);
        Network.Attach(EndpointA, A);
        Network.Attach(EndpointB, B);
    }

    public FakeTimeProvider Time { get; }

    public TestNetwork Network { get; } = new();

    public IdentityKey IdentityA { get; }

    public IdentityKey IdentityB { get; }

    public SessionLayer A { get; }

    public SessionLayer B { get; }

    public RecordingObserver ObserverA { get; } = new();

    public RecordingObserver ObserverB { get; } = new();

    public DropCounters DropsA { get; } = new();

    public DropCounters DropsB { get; } = new();

    /// <summary>A dials B by ID, the network delivers everything; returns A's session and B's.</summary>
    public (SecureSession AtA, SecureSession AtB) Establish()
    {
        var atA = A.Connect(EndpointB, IdentityB.Id);
        Network.Pump();
        Assert.Equal(SessionState.Established, atA.State);
        var atB = Assert.Single(B.Sessions);
        Assert.Equal(SessionState.Established, atB.State);
        return (atA, atB);
    }

    /// <summary>Advances the clock, polls both layers and delivers what they sent.</summary>
    public void Step(TimeSpan delta)
    {
        Time.Advance(delta);
        A.Poll();
        B.Poll();
        Network.Pump();
    }

    public void Run(TimeSpan total, TimeSpan step, Action? afterEachStep = null)
    {
        for (var t = TimeSpan.Zero; t < total; t += step)
        {
            Step(step);
            afterEachStep?.Invoke();
        }
    }

    public void Dispose()
    {
        foreach (var s in A.Sessions.Concat(B.Sessions))
        {
            s.Close();
        }

        IdentityA.Dispose();
        IdentityB.Dispose();
    }
}
