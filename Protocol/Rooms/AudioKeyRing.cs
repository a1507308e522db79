namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// A listener's audio keys (PICOTALK.md "Inside a room"; our KeyRotation extension): per sender
/// its current key and the one before (bounded to two), each with its epoch and the first frame
/// nonce it encrypts, and the highest frame nonce of that sender in a verified wide mix.
/// </summary>
/// <remarks>
/// A sender of ours that rotates sends <c>{"audio_encryption_key", "picotalk_key_epoch",
/// "picotalk_key_from"}</c> and encrypts from that nonce on with the new key. Frames in flight still
/// carry the old one, so a wide tag picks its key by epoch and a narrow tag (which has no epoch)
/// by nonce: the newest key whose first nonce is not above the frame's. A PicoTalk sender's key
/// has epoch 0 from nonce 0. Single-threaded: the owner locks.
/// </remarks>
public sealed class AudioKeyRing : IAudioKeyRing
{
    private readonly Dictionary<ushort, Sender> _senders = [];

    /// <summary>Takes a sender's key. The same epoch again replaces it (a PicoTalk peer resending);
    /// a new epoch moves the current key to "previous" and drops the one before.</summary>
    public void Accept(ushort peerId, byte epoch, uint fromNonce, byte[] key)
    {
        if (key.Length != AudioKeystream.KeySize)
        {
            throw new ArgumentException($"an audio key is {AudioKeystream.KeySize} bytes", nameof(key));
        }

        var entry = new Entry(epoch, fromNonce, key);
        if (!_senders.TryGetValue(peerId, out var sender))
        {
            _senders.Add(peerId, new Sender { Current = entry });
        }
        else if (sender.Current.Epoch == epoch)
        {
            sender.Current = entry;
        }
        else
        {
            sender.Previous = sender.Current;
            sender.Current = entry;
        }
    }

    /// <summary>Forgets a sender (it left, or failed).</summary>
    public void Remove(ushort peerId) => _senders.Remove(peerId);

    public void Clear() => _senders.Clear();

    /// <summary>The sender's current key, or empty.</summary>
    public ReadOnlySpan<byte> KeyOf(ushort peerId) => _senders.TryGetValue(peerId, out var s) ? s.Current.Key : [];

    /// <summary>The current epoch of a sender we hold a key of.</summary>
    public bool TryGetEpoch(ushort peerId, out byte epoch)
    {
        bool known = _senders.TryGetValue(peerId, out var s);
        epoch = known ? s!.Current.Epoch : (byte)0;
        return known;
    }

    /// <summary>The key of a narrow frame: the newest whose first nonce is at or below the frame's.</summary>
    public ReadOnlySpan<byte> KeyFor(AudioTag tag)
    {
        if (!_senders.TryGetValue(tag.PeerId, out var s))
        {
            return [];
        }

        if (s.Current.FromNonce <= tag.Nonce)
        {
            return s.Current.Key;
        }

        return s.Previous is { } previous && previous.FromNonce <= tag.Nonce ? previous.Key : [];
    }

    /// <summary>The key a wide tag names by epoch; empty if we do not hold it (not yet, or no longer).</summary>
    public ReadOnlySpan<byte> KeyFor(ushort peerId, byte epoch)
    {
        if (!_senders.TryGetValue(peerId, out var s))
        {
            return [];
        }

        if (s.Current.Epoch == epoch)
        {
            return s.Current.Key;
        }

        return s.Previous is { } previous && previous.Epoch == epoch ? previous.Key : [];
    }

    /// <summary>True if <paramref name="nonce"/> is above every nonce of this sender in a mix we verified (a replay is not).</summary>
    public bool IsFresh(ushort peerId, uint nonce) => !_senders.TryGetValue(peerId, out var s) || nonce > s.LastNonce;

    /// <summary>Records a sender's nonce from a verified mix.</summary>
    public void MarkSeen(ushort peerId, uint nonce)
    {
        if (_senders.TryGetValue(peerId, out var s) && nonce > s.LastNonce)
        {
            s.LastNonce = nonce;
        }
    }

    /// <summary>Every key held now (a test of rotation keeps what a departing member knew).</summary>
    public IReadOnlyList<(ushort PeerId, byte Epoch, byte[] Key)> Snapshot() =>
        [.. _senders.SelectMany(p => new[] { p.Value.Current, p.Value.Previous }.OfType<Entry>().Select(e => (p.Key, e.Epoch, e.Key.ToArray())))];

    private sealed record Entry(byte Epoch, uint FromNonce, byte[] Key);

    private sealed class Sender
    {
        public required Entry Current { get; set; }

        public Entry? Previous { get; set; }

        public uint LastNonce { get; set; }
    }
}
