namespace PicoTalk.Protocol.Media;

/// <summary>
/// Bounds and start point of the sender's bitrate control (<see cref="BitrateController"/>);
/// DESIGN.md "Media layer": variable bitrate, 6 to 510 kbit/s, adaptive.
/// </summary>
public sealed record BitrateSettings
{
    /// <summary>Lowest target, bit/s; 6000..510000 (RFC 6716 §2.1.1) and at most <see cref="MaximumBitsPerSecond"/>.</summary>
    public int MinimumBitsPerSecond { get; init; } = MediaConstants.MinBitrate;

    /// <summary>Highest target, bit/s; 6000..510000 (RFC 6716 §2.1.1).</summary>
    public int MaximumBitsPerSecond { get; init; } = MediaConstants.MaxBitrate;

    /// <summary>Target at call start, and the fixed target when not <see cref="Adaptive"/>; within [minimum, maximum].</summary>
    public int StartBitsPerSecond { get; init; } = MediaConstants.DefaultBitrate;

    /// <summary>
    /// True: the bitrate follows the peer's loss reports. False: the bitrate stays at
    /// <see cref="StartBitsPerSecond"/>, while in-band FEC and the encoder's expected loss still
    /// follow the reports (they protect the audio and cost no extra capacity decision of ours).
    /// </summary>
    public bool Adaptive { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        ValidateRange(nameof(MinimumBitsPerSecond), MinimumBitsPerSecond);
        ValidateRange(nameof(MaximumBitsPerSecond), MaximumBitsPerSecond);
        ValidateRange(nameof(StartBitsPerSecond), StartBitsPerSecond);
        if (MinimumBitsPerSecond > MaximumBitsPerSecond)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MinimumBitsPerSecond),
                MinimumBitsPerSecond,
                $"MinimumBitsPerSecond must not exceed MaximumBitsPerSecond ({MaximumBitsPerSecond})");
        }

        if (StartBitsPerSecond < MinimumBitsPerSecond || StartBitsPerSecond > MaximumBitsPerSecond)
        {
            throw new ArgumentOutOfRangeException(
                nameof(StartBitsPerSecond),
                StartBitsPerSecond,
                $"StartBitsPerSecond must be within MinimumBitsPerSecond..MaximumBitsPerSecond ({MinimumBitsPerSecond}..{MaximumBitsPerSecond})");
        }
    }

    private static void ValidateRange(string name, int value)
    {
        if (value is < MediaConstants.MinBitrate or > MediaConstants.MaxBitrate)
        {
            throw new ArgumentOutOfRangeException(
                name, value, $"{name} must be {MediaConstants.MinBitrate}..{MediaConstants.MaxBitrate} bit/s (RFC 6716 §2.1.1)");
        }
    }
}
