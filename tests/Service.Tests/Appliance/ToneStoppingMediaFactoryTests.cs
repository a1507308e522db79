using PicoTalk.Protocol.Session;
using PicoTalk.Service.Appliance;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Tests.Appliance;

public sealed class ToneStoppingMediaFactoryTests
{
    [Fact]
    public void TheToneIsStoppedAndItsOutputClosedBeforeTheCallsMediaStarts()
    {
        var sinks = new List<ApplianceRig.RecordingSink>();
        using var tones = new TonePlayer(() =>
        {
            var sink = new ApplianceRig.RecordingSink();
            sinks.Add(sink);
            return sink;
        }, _ => { });
        tones.Play(Tone.Ring);
        var inner = new ObservingFactory(() => (tones.Playing, sinks.Count == 1 && sinks[0].Closed));
        var factory = new ToneStoppingMediaFactory(tones, inner);

        // The tone thread opens its output asynchronously: wait until it has.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (sinks.Count == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Yield();
        }

        factory.Start(null!);
        Assert.Equal((Tone.None, true), inner.SeenAtStart);
    }

    private sealed class ObservingFactory(Func<(Tone, bool)> observe) : ICallMediaFactory
    {
        public (Tone, bool) SeenAtStart { get; private set; }

        public ICallMedia Start(SecureSession session)
        {
            SeenAtStart = observe();
            return null!;
        }
    }
}
