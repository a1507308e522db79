using PicoTalk.Protocol.Session;

namespace PicoTalk.Protocol.Tests.Session;

public sealed class ReplayWindowTests
{
    private static bool Accept(ReplayWindow w, uint seq)
    {
        if (!w.IsAcceptable(seq))
        {
            return false;
        }

        w.Mark(seq);
        return true;
    }

    [Fact]
    public void Accepts_each_sequence_once_and_in_any_order_within_the_window()
    {
        var w = new ReplayWindow();
        Assert.False(w.IsAcceptable(0));
        Assert.True(Accept(w, 1));
        Assert.False(Accept(w, 1));
        Assert.True(Accept(w, 5));
        Assert.True(Accept(w, 3));
        Assert.False(Accept(w, 3));
        Assert.True(Accept(w, 2));
        Assert.True(Accept(w, 4));
        Assert.Equal(5u, w.Highest);
    }

    [Fact]
    public void Window_is_192_behind_the_newest()
    {
        var w = new ReplayWindow();
        Assert.True(Accept(w, 1000));
        Assert.True(w.IsAcceptable(1000 - ReplayWindow.WindowSize + 1));
        Assert.False(w.IsAcceptable(1000 - ReplayWindow.WindowSize));
        Assert.True(Accept(w, 1000 - 191));
    }

    [Fact]
    public void A_large_jump_forgets_old_bits_but_not_recent_ones()
    {
        var w = new ReplayWindow();
        for (uint s = 1; s <= 300; s++)
        {
            Assert.True(Accept(w, s));
        }

        Assert.True(Accept(w, 100_000));
        Assert.False(w.IsAcceptable(300));
        // Sequences just behind the newest were never seen, so the cleared blocks must accept them.
        for (uint s = 100_000 - 191; s < 100_000; s++)
        {
            Assert.True(w.IsAcceptable(s), $"seq {s}");
        }

        Assert.False(w.IsAcceptable(100_000));
    }

    [Fact]
    public void Matches_a_reference_set_model_under_random_traffic()
    {
        var random = new Random(42);
        var w = new ReplayWindow();
        var seen = new HashSet<uint>();
        uint highest = 0;
        for (int i = 0; i < 50_000; i++)
        {
            uint seq = (uint)Math.Max(1, (long)highest + random.Next(-250, 40));
            bool expected = seq > highest || (highest - seq < ReplayWindow.WindowSize && !seen.Contains(seq));
            Assert.Equal(expected, w.IsAcceptable(seq));
            if (expected && random.Next(4) != 0)
            {
                // Unauthenticated packets (1 in 4) are checked but never marked.
                w.Mark(seq);
                seen.Add(seq);
                highest = Math.Max(highest, seq);
            }
        }
    }
}
