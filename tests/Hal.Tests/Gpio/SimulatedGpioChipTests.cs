using System.Diagnostics;
using PicoTalk.Hal.Gpio;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Gpio;

public sealed class SimulatedGpioChipTests : IDisposable
{
    private const int Answer = 17;
    private const int Call = 27;
    private readonly FakeTimeProvider _time = new();
    private readonly SimulatedGpioChip _chip;

    public SimulatedGpioChipTests() => _chip = new SimulatedGpioChip(_time);

    public void Dispose() => _chip.Dispose();

    [Fact]
    public void EdgesMakeThePollDescriptorReadableAndReadEdgesDrainsThem()
    {
        using var inputs = _chip.RequestInputs([Answer, Call], new GpioInputOptions(), "test");
        Assert.False(PollNative.IsReadable(inputs.PollDescriptor));
        Span<GpioEdge> edges = stackalloc GpioEdge[8];
        Assert.Equal(0, inputs.ReadEdges(edges));

        long pressedAt = _time.GetTimestamp();
        _chip.Press(Answer);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        _chip.SetInput(Call, true);
        _time.Advance(TimeSpan.FromMilliseconds(60));
        _chip.Release(Answer);
        Assert.True(PollNative.IsReadable(inputs.PollDescriptor));

        // A span too small for all leaves the rest waiting, and the descriptor readable.
        Assert.Equal(1, inputs.ReadEdges(edges[..1]));
        long ns = pressedAt * 100;              // the fake clock ticks in 100 ns
        Assert.Equal(new GpioEdge(Answer, true, ns), edges[0]);
        Assert.True(PollNative.IsReadable(inputs.PollDescriptor));

        Assert.Equal(2, inputs.ReadEdges(edges));
        Assert.Equal(new GpioEdge(Call, true, ns + 40_000_000), edges[0]);
        Assert.Equal(new GpioEdge(Answer, false, ns + 100_000_000), edges[1]);
        Assert.False(PollNative.IsReadable(inputs.PollDescriptor));
        Assert.Equal(0, inputs.ReadEdges(edges));

        Assert.False(inputs.IsActive(Answer));
        Assert.True(inputs.IsActive(Call));
        Assert.Throws<ArgumentOutOfRangeException>(() => inputs.IsActive(22));
    }

    [Fact]
    public void APollBlockedOnAnotherThreadWakesOnAPress()
    {
        using var inputs = _chip.RequestInputs([Answer], new GpioInputOptions(), "test");
        int fd = inputs.PollDescriptor;
        short revents = 0;
        var poller = new Thread(() => revents = PollNative.WaitReadable(fd, timeoutMs: 20_000)) { Name = "poller" };
        var stopwatch = Stopwatch.StartNew();
        poller.Start();
        _chip.Press(Answer);
        Waits.Join(poller);
        Assert.Equal(PollNative.PollIn, revents & PollNative.PollIn);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"poll woke after {stopwatch.Elapsed}");
    }

    [Fact]
    public void OnlyChangesOfLevelOnRequestedLinesAreEdges()
    {
        _chip.Press(Call);                      // not requested yet: no edge, but the level is kept
        using var inputs = _chip.RequestInputs([Answer, Call], new GpioInputOptions(), "test");
        Assert.True(inputs.IsActive(Call));
        Assert.False(PollNative.IsReadable(inputs.PollDescriptor));

        _chip.Press(Call);                      // already active: no change, no edge
        _chip.Release(22);                      // another line
        Assert.False(PollNative.IsReadable(inputs.PollDescriptor));
        _chip.Press(Answer);
        _chip.Press(Answer);
        Span<GpioEdge> edges = stackalloc GpioEdge[4];
        Assert.Equal(1, inputs.ReadEdges(edges));
        Assert.Equal(Answer, edges[0].Line);
    }

    [Fact]
    public void ReadEdgesDoesNotAllocate()
    {
        using var inputs = _chip.RequestInputs([Answer], new GpioInputOptions(), "test");
        Span<GpioEdge> edges = stackalloc GpioEdge[4];
        _chip.Press(Answer);
        inputs.ReadEdges(edges);                // warm up (JIT, queue growth)
        _chip.Release(Answer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int read = inputs.ReadEdges(edges);
        int none = inputs.ReadEdges(edges);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((1, 0), (read, none));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ALineIsRequestedOnceAtATime()
    {
        var inputs = _chip.RequestInputs([Answer], new GpioInputOptions(), "first");
        var error = Assert.Throws<IOException>(() => _chip.RequestOutput(Answer, activeLow: false, "second"));
        Assert.Contains($"line {Answer}", error.Message);
        Assert.Contains("EBUSY", error.Message);
        Assert.Throws<IOException>(() => _chip.RequestInputs([Call, Answer], new GpioInputOptions(), "third"));
        inputs.Dispose();
        inputs.Dispose();
        Assert.Throws<ObjectDisposedException>(() => inputs.PollDescriptor);
        _chip.RequestOutput(Answer, activeLow: false, "fourth").Dispose();
        Assert.Throws<ArgumentException>(() => _chip.RequestInputs([Call, Call], new GpioInputOptions(), "twice"));
    }

    [Fact]
    public void OutputsStartInactiveAndRecordEachChangeWithItsTimestamp()
    {
        using var output = _chip.RequestOutput(24, activeLow: false, "test");
        Assert.False(output.IsActive);
        Assert.Empty(_chip.OutputHistory);

        long t0 = _time.GetTimestamp();
        output.Set(true);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        output.Set(true);                       // no change: not recorded
        output.Set(false);
        Assert.False(_chip.IsOutputActive(24));
        output.Set(true);
        Assert.True(output.IsActive);
        Assert.True(_chip.IsOutputActive(24));
        Assert.False(_chip.IsOutputActive(25));
        long t5 = t0 + TimeSpan.FromMilliseconds(5).Ticks;
        Assert.Equal([(24, true, t0), (24, false, t5), (24, true, t5)], _chip.OutputHistory);

        output.Dispose();
        Assert.Throws<ObjectDisposedException>(() => output.Set(false));
        // A new request of the line starts it inactive again.
        using var again = _chip.RequestOutput(24, activeLow: true, "again");
        Assert.False(_chip.IsOutputActive(24));
    }

    [Fact]
    public void GpioChipsOpensTheSimulatedChipAndRefusesAnUnknownSpec()
    {
        using (var chip = GpioChips.Open("sim", _time))
        {
            Assert.IsType<SimulatedGpioChip>(chip);
            Assert.Equal("sim", chip.Description);
        }

        foreach (string spec in new[] { "bogus", "chip:", "Sim", "/dev/gpiochip0" })
        {
            var error = Assert.Throws<FormatException>(() => GpioChips.Open(spec));
            Assert.Contains($"'{spec}'", error.Message);
        }
    }
}
