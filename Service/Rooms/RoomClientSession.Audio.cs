using System.Security.Cryptography;
using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

/// <summary>
/// Audio (PICOTALK.md "Audio") and our extensions to it (PICOTALK.md "Its gaps"): wide lanes with
/// an integrity tag when we and the server speak WideAudio, and a new audio key whenever a member
/// leaves (KeyRotation).
/// </summary>
public sealed partial class RoomClientSession : IAudioKeyRing
{
    /// <summary>What a member is told when a mix fails its integrity check.</summary>
    public const string AlteredMixWarning = "room: the server altered the mix";

    private readonly AudioKeyRing _keyRing = new();
    private readonly byte[] _frame = new byte[RoomPacket.HeaderSize + WideAudioFrame.ClientFrameSize];
    private readonly short[] _decoded = new short[AudioKeystream.SamplesPerFrame];
    private readonly int[] _wideSum = new int[AudioKeystream.SamplesPerFrame];
    private byte[] _audioKey = AudioKey.Generate();
    private byte _keyEpoch;
    private uint _keyFrom;
    private uint _frameNonce;
    private MixMac? _mixMac;
    private DateTimeOffset _lastWarning = DateTimeOffset.MinValue;

    /// <summary>
    /// A decoded mix: the 512 samples and the peers it holds. Raised on the reader, under the
    /// session's lock; the array is reused after the handler returns. A wide mix's exact sum is
    /// saturated to int16 here (loud overlap clips instead of wrapping into noise).
    /// </summary>
    public event Action<short[], IReadOnlyList<ushort>>? AudioReceived;

    /// <summary>A verified wide mix's exact sum (no wrap, no clipping), before <see cref="AudioReceived"/>; same rules.</summary>
    public event Action<int[], IReadOnlyList<ushort>>? WideAudioReceived;

    /// <summary>A warning for the user, e.g. <see cref="AlteredMixWarning"/> (at most one a second); raised under the lock.</summary>
    public event Action<string>? Warning;

    /// <summary>
    /// Optional: called once per mix received (every 32 ms, paced by the server's mixer) for the
    /// next 512 samples to send; null sends nothing.
    /// </summary>
    public Func<short[]?>? AudioSource { get; set; }

    /// <summary>Mixes we could not decrypt (a sender, or a key epoch of it, we do not hold yet): lost, not played.</summary>
    public long LostFrames { get; private set; }

    /// <summary>Mixes decoded and delivered (verified and unverified).</summary>
    public long ReceivedFrames { get; private set; }

    /// <summary>Wide mixes whose integrity tag matched: nobody but the members added to them.</summary>
    public long VerifiedMixes { get; private set; }

    /// <summary>
    /// PicoTalk (narrow) mixes: played, but nothing can check them. Our server sends them while a
    /// PicoTalk member's frame is in the mix, a PicoTalk server always; a server of ours that sends
    /// them to a room of ours only is downgrading it, which this count (not an alarm: we cannot
    /// tell which members are ours) lets the user see.
    /// </summary>
    public long UnverifiedMixes { get; private set; }

    /// <summary>Wide mixes that failed the integrity check or replayed a frame: the server altered them; not played.</summary>
    public long IntegrityFailures { get; private set; }

    /// <summary>The epoch of our audio key: 0 at the join, one more each time a member left (KeyRotation).</summary>
    public byte KeyEpoch
    {
        get
        {
            lock (_gate)
            {
                return _keyEpoch;
            }
        }
    }

    /// <summary>True if our audio goes in wide lanes with an integrity tag (we and the server speak WideAudio).</summary>
    public bool WideAudio => (ServerExtensions & RoomExtensions.WideAudio) != 0;

    /// <summary>Test hook: every mix payload as received, before it is opened.</summary>
    internal Action<RoomPacketType, byte[]>? MixTap { get; set; }

    /// <summary>Test hook: send audio even when not authenticated (to check the server drops it).</summary>
    internal bool SendWithoutAuthentication { get; set; }

    /// <summary>Every audio key this member holds now, its own included (a rotation test keeps what a leaver knew).</summary>
    internal IReadOnlyList<(ushort PeerId, byte Epoch, byte[] Key)> KnownAudioKeys
    {
        get
        {
            lock (_gate)
            {
                return [.. _keyRing.Snapshot(), (UserId, _keyEpoch, _audioKey.ToArray())];
            }
        }
    }

    /// <summary>
    /// Encrypts 512 samples (16 kHz) with our audio key and the next frame nonce and sends them to
    /// the mixer, in wide lanes if the server takes them. False, nothing sent, unless the server
    /// counts us as knowing the password.
    /// </summary>
    public bool SendAudio(ReadOnlySpan<short> samples)
    {
        lock (_gate)
        {
            if (State != RoomClientState.Authenticated && !(SendWithoutAuthentication && State != RoomClientState.Closed))
            {
                return false;
            }

            if (_closing.IsCancellationRequested)
            {
                // Disposing: the sockets are going (a reader may still hand us a mix meanwhile).
                return false;
            }

            // PICOTALK.md "Audio": a per-sender frame counter from 1. It keeps counting across key
            // rotations, so no (key, nonce) pair repeats and receivers can pick keys by nonce.
            uint nonce = ++_frameNonce;
            var payload = _frame.AsSpan(RoomPacket.HeaderSize);
            var type = WideAudio ? RoomPacketType.WideAudioFrame : RoomPacketType.AudioFrame;
            int size = WideAudio
                ? WideAudioFrame.WriteClientFrame(samples, _audioKey, _keyEpoch, UserId, nonce, MixKey(), payload)
                : AudioFrame.WriteClientFrame(samples, _audioKey, UserId, nonce, payload);
            RoomPacket.WriteHeader(type, UserId, RoomMembership.Server, size, _frame);
            var inner = _frame.AsSpan(0, RoomPacket.HeaderSize + size);
            if (_useUdp)
            {
                try
                {
                    SendUdp(inner);
                }
                catch (ObjectDisposedException)
                {
                    // DisposeAsync closed the socket (without our lock) while a reader handed us a mix.
                    return false;
                }
            }
            else
            {
                Enqueue(inner.ToArray());
            }

            return true;
        }
    }

    /// <summary>The current audio key of a verified peer; empty otherwise (so its frames count as lost).</summary>
    public ReadOnlySpan<byte> KeyOf(ushort peerId) => _keyRing.KeyOf(peerId);

    /// <summary>The key of the peer's frame <paramref name="tag"/> names (by nonce, across a rotation).</summary>
    public ReadOnlySpan<byte> KeyFor(AudioTag tag) => _keyRing.KeyFor(tag);

    /// <summary>
    /// Under the lock: our audio-key message (PICOTALK.md "Inside a room"). After a rotation it
    /// carries the key's epoch and first nonce; the first key goes without them, as PicoTalk's.
    /// </summary>
    private RoomMessage AudioKeyMessage() => new()
    {
        UserName = _options.UserName,
        AudioEncryptionKey = AudioKey.ToHex(_audioKey),
        KeyEpoch = _keyEpoch == 0 && _keyFrom == 0 ? null : _keyEpoch,
        KeyFrom = _keyEpoch == 0 && _keyFrom == 0 ? null : _keyFrom,
    };

    /// <summary>Under the lock: a verified peer's audio-key message (epoch 0 from nonce 0 for a PicoTalk peer's).</summary>
    private void AcceptAudioKey(ushort peerId, RoomMessage message, byte[] key) =>
        _keyRing.Accept(peerId, message.KeyEpoch ?? 0, message.KeyFrom ?? 0, key);

    /// <summary>
    /// Under the lock, when a member left (PICOTALK.md "Its gaps": audio keys never rotate; ours
    /// do): forget its keys, draw a new key, bump the epoch and send key, epoch and first nonce to
    /// every remaining verified peer (PicoTalk peers too: they read audio_encryption_key again).
    /// Frames from the next nonce on use the new key, which the leaver never receives.
    /// </summary>
    private void AudioMemberLeft(ushort peerId)
    {
        _keyRing.Remove(peerId);
        if ((_options.Extensions & RoomExtensions.KeyRotation) == 0)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(_audioKey);
        _audioKey = AudioKey.Generate();
        _keyEpoch++;
        _keyFrom = _frameNonce + 1;
        var message = AudioKeyMessage();
        foreach (var peer in _peers.Values)
        {
            if (peer.Verified && !peer.Failed && peer.Channel is not null)
            {
                SendToPeer(peer, message);
            }
        }
    }

    /// <summary>
    /// Under the lock: the integrity key, from the password stretched at connect (ConnectAsync
    /// stretches it whenever we announce WideAudio, so a session that speaks WideAudio with the
    /// server has it).
    /// </summary>
    private MixMac MixKey() =>
        _mixMac ??= MixMac.From(_stretchedPassword ?? throw new InvalidOperationException("WideAudio without a stretched password"));

    /// <summary>Under the lock: open a mix (wide or PicoTalk), hand it on, then send our next frame.</summary>
    private void HandleMix(RoomPacketType type, ReadOnlySpan<byte> payload)
    {
        MixTap?.Invoke(type, payload.ToArray());
        if (type == RoomPacketType.WideAudioFrame)
        {
            HandleWideMix(payload);
        }
        else if (AudioFrame.TryDecrypt(payload, _keyRing, _decoded))
        {
            AudioFrame.TryRead(payload, out int tags);
            var senders = new ushort[tags];
            for (int i = 0; i < tags; i++)
            {
                senders[i] = AudioFrame.TagAt(payload, i).PeerId;
            }

            ReceivedFrames++;
            UnverifiedMixes++;
            AudioReceived?.Invoke(_decoded, senders);
        }
        else
        {
            LostFrames++;
        }

        if (AudioSource?.Invoke() is { } next)
        {
            SendAudio(next);
        }
    }

    private void HandleWideMix(ReadOnlySpan<byte> payload)
    {
        switch (WideAudioFrame.TryOpen(payload, _keyRing, MixKey(), _wideSum))
        {
            case WideMixResult.Verified:
                WideAudioFrame.TryRead(payload, out int tags);
                var senders = new ushort[tags];
                for (int i = 0; i < tags; i++)
                {
                    senders[i] = WideAudioFrame.TagAt(payload, i).PeerId;
                }

                for (int i = 0; i < _decoded.Length; i++)
                {
                    _decoded[i] = (short)Math.Clamp(_wideSum[i], short.MinValue, short.MaxValue);
                }

                VerifiedMixes++;
                ReceivedFrames++;
                WideAudioReceived?.Invoke(_wideSum, senders);
                AudioReceived?.Invoke(_decoded, senders);
                break;
            case WideMixResult.Altered or WideMixResult.Replayed:
                IntegrityFailures++;
                var now = _options.Time.GetUtcNow();
                if (now - _lastWarning >= TimeSpan.FromSeconds(1))
                {
                    _lastWarning = now;
                    Warning?.Invoke(AlteredMixWarning);
                }

                break;
            default:
                // A key epoch we do not hold yet (its message is on the way), or malformed: lost.
                LostFrames++;
                break;
        }
    }
}
