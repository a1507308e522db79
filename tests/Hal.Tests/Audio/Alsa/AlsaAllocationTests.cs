using PicoTalk.Hal.Audio.Alsa;
using PicoTalk.TestSupport;

namespace PicoTalk.Hal.Tests.Audio.Alsa;

/// <summary>Read and Write run once per period on the audio threads: they must allocate nothing.</summary>
[Collection(AlsaCollection.Name)]
public sealed class AlsaAllocationTests
{
    [Fact]
    public void Reads_allocate_nothing()
    {
        // alsa.conf's null PCM: captures silence as fast as asked, for ever.
        using var source = new AlsaSource("null", 20);
        var frame = new short[source.FrameSamples];
        for (int i = 0; i < 100; i++)
        {
            Assert.True(source.Read(frame));
        }

        Assert.Equal(0, LeastAllocated(() => source.Read(frame)));
    }

    [Fact]
    public void Writes_allocate_nothing()
    {
        using var sink = new AlsaSink("null", 10);
        var frame = WavTestFiles.Tone(700, 4000, sink.FrameSamples);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(sink.Write(frame));
        }

        Assert.Equal(0, LeastAllocated(() => sink.Write(frame)));
    }

    /// <summary>Bytes allocated by 100 periods, the least of three rounds (as in AllocationTests: a
    /// one-off by the runtime while it tiers the test up shows in one round only).</summary>
    private static long LeastAllocated(Func<bool> call)
    {
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                Assert.True(call());
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
