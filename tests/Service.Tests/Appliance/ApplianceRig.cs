using PicoTalk.Hal.Audio;
using PicoTalk.Hal.Gpio;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Appliance;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Config;
using PicoTalk.Service.Tests.Calls;

namespace PicoTalk.Service.Tests.Appliance;

/// <summary>
/// Two appliances on the in-memory network and fake clock (<see cref="CallWorld"/>); B has the real
/// <see cref="ApplianceController"/> over a simulated GPIO chip, with its tones played into a sink
/// that records what was opened. A is the far end a test dials from or to.
/// </summary>
internal sealed class ApplianceRig : IDisposable
{
    public ApplianceRig(ApplianceSettings? settings = null, int seed = 5)
    {
        Settings = settings ?? new ApplianceSettings();
        World = new CallWorld(seed);
        A = World.Add("10.0.0.1:5004", "A");
        B = World.Add("10.0.0.2:5004", "B");
        Chip = new SimulatedGpioChip(World.Time);
        Tones = new TonePlayer(() =>
        {
            var sink = new RecordingSink();
            lock (Sinks)
            {
                Sinks.Add(sink);
            }

            return sink;
        }, Log.Add);
        Appliance = new ApplianceController(B.Loop, Chip, Settings, B.Calls, Tones,
            id => Contacts.Find(c => c.Id == id), () => SpeedDials++, line => Log.Add(line), Events.Add, () => NetworkUp);
        B.Also = Appliance;
        B.Calls.Policy = Appliance;
    }

    public ApplianceSettings Settings { get; }

    public CallWorld World { get; }

    public CallNode A { get; }

    public CallNode B { get; }

    public SimulatedGpioChip Chip { get; }

    public TonePlayer Tones { get; }

    public ApplianceController Appliance { get; }

    public List<Contact> Contacts { get; } = new();

    public List<RecordingSink> Sinks { get; } = new();

    public List<ControlEvent> Events { get; } = new();

    public List<string> Log { get; } = new();

    public int SpeedDials { get; set; }

    public bool NetworkUp { get; set; } = true;

    /// <summary>A as a contact of B.</summary>
    public Contact AddContactA(bool autoAnswer = false, bool mayOpenDoor = false)
    {
        var contact = new Contact("alice", A.Id, autoAnswer, mayOpenDoor);
        Contacts.Add(contact);
        return contact;
    }

    /// <summary>A dials B and the call rings at B.</summary>
    public void RingB()
    {
        Assert.True(CallWorld.On(A, c => c.Dial(B.Address, B.Id)).Success);
        World.RunUntil(() => B.Calls.State == CallState.RingingIn && A.Calls.State == CallState.RingingOut, TimeSpan.FromSeconds(5), "ringing");
    }

    /// <summary>A dials B, and B answers from the control path.</summary>
    public void CallB()
    {
        RingB();
        Assert.True(CallWorld.On(B, c => c.Answer()).Success);
        World.RunUntil(() => A.Calls.State == CallState.InCall && B.Calls.State == CallState.InCall, TimeSpan.FromSeconds(5), "in call");
    }

    /// <summary>Presses a button for <paramref name="ms"/> and lets the clock run past the release.</summary>
    public void Press(ApplianceButton button, int ms = 100)
    {
        Appliance.Press(button, TimeSpan.FromMilliseconds(ms));
        World.Run(TimeSpan.FromMilliseconds(ms + 300));
    }

    /// <summary>Each time the line went from off to on.</summary>
    public int Activations(int line)
    {
        int count = 0;
        bool last = false;
        foreach (var (l, active, _) in Chip.OutputHistory)
        {
            if (l == line)
            {
                count += active && !last ? 1 : 0;
                last = active;
            }
        }

        return count;
    }

    public IEnumerable<T> EventsOf<T>(string name, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        Events.Where(e => e.Event == name).Select(e => e.ReadData(type));

    public void Dispose()
    {
        Appliance.Dispose();
        World.Dispose();
    }

    /// <summary>A tone's sound card: records the first periods written, and blocks each write until
    /// closed so the tone thread does not spin (the fake clock does not pace it).</summary>
    internal sealed class RecordingSink : IAudioSink
    {
        private readonly ManualResetEventSlim _closed = new();

        public int FrameSamples => 960;

        public List<short[]> Periods { get; } = new();

        public bool Closed => _closed.IsSet;

        public bool Write(ReadOnlySpan<short> frame)
        {
            lock (Periods)
            {
                if (Periods.Count < 200)
                {
                    Periods.Add(frame.ToArray());
                }
            }

            return !_closed.Wait(TimeSpan.FromMilliseconds(5)) ;
        }

        public void Dispose() => _closed.Set();
    }
}
