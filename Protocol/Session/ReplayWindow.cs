namespace PicoTalk.Protocol.Session;

/// <summary>
/// Anti-replay window of one receive stream: a 256-bit bitmap used as a ring of four 64-bit
/// blocks (RFC 6479 §2; the acceptance rule of RFC 4303 §3.4.3).
/// </summary>
/// <remarks>
/// Bit (seq mod 256) records whether seq was seen. When a higher sequence arrives, the blocks it
/// skips over are cleared whole, which is what makes the ring O(1) for any jump. As in RFC 6479 the
/// block holding the newest sequence is only partly inside the window, so the window proper is
/// 256 - 64 = 192 sequences: seq is acceptable if it is newer than the newest one seen, or at most
/// 191 behind it and not yet seen. <see cref="IsAcceptable"/> is the cheap pre-check done before
/// decrypting; <see cref="Mark"/> is called only after the packet authenticated, so a forged packet
/// can neither advance the window nor burn a sequence number.
/// </remarks>
internal sealed class ReplayWindow
{
    public const int BitmapBits = 256;
    public const int WindowSize = BitmapBits - BlockBits;

    private const int BlockBits = 64;
    private const int Blocks = BitmapBits / BlockBits;
    private const int BlockShift = 6;
    private const int BlockMask = Blocks - 1;
    private const int BitMask = BlockBits - 1;

    private readonly ulong[] _bitmap = new ulong[Blocks];

    /// <summary>The newest sequence marked so far (0: none).</summary>
    public uint Highest { get; private set; }

    public bool IsAcceptable(uint sequence)
    {
        if (sequence == 0)
        {
            return false;
        }

        if (sequence > Highest)
        {
            return true;
        }

        if (Highest - sequence >= WindowSize)
        {
            return false;
        }

        int block = (int)(sequence >> BlockShift) & BlockMask;
        return (_bitmap[block] & (1UL << (int)(sequence & BitMask))) == 0;
    }

    /// <summary>Records an authenticated sequence. Call only after <see cref="IsAcceptable"/> said true.</summary>
    public void Mark(uint sequence)
    {
        if (sequence > Highest)
        {
            uint highestBlock = Highest >> BlockShift;
            uint newBlock = sequence >> BlockShift;
            uint skipped = Math.Min(newBlock - highestBlock, (uint)Blocks);
            for (uint i = 1; i <= skipped; i++)
            {
                _bitmap[(int)((highestBlock + i) & BlockMask)] = 0;
            }

            Highest = sequence;
        }

        _bitmap[(int)(sequence >> BlockShift) & BlockMask] |= 1UL << (int)(sequence & BitMask);
    }
}
