namespace PicoTalk.TestSupport;

/// <summary>The mutations codec fuzz tests share (STYLE.md 10): each returns a new array.</summary>
public static class Mutations
{
    /// <summary>One to three random bits flipped.</summary>
    public static byte[] FlipBits(Random random, byte[] valid)
    {
        var input = (byte[])valid.Clone();
        if (input.Length == 0)
        {
            return input;
        }

        for (int flips = random.Next(1, 4); flips > 0; flips--)
        {
            int bit = random.Next(input.Length * 8);
            input[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        return input;
    }

    /// <summary>Cut short at a random length (possibly empty).</summary>
    public static byte[] Truncate(Random random, byte[] valid) => valid[..random.Next(valid.Length)];

    /// <summary>Followed by 1 to 39 random bytes.</summary>
    public static byte[] Extend(Random random, byte[] valid)
    {
        var input = new byte[valid.Length + random.Next(1, 40)];
        valid.CopyTo(input, 0);
        random.NextBytes(input.AsSpan(valid.Length));
        return input;
    }
}
