using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

public sealed partial class RoomClientSession : IAudioKeyRing
{
    private readonly byte[] _audioKey = AudioKey.Generate();
    private readonly byte[] _frame = new byte[RoomPacket.HeaderSize + AudioFrame.ClientFrameSize];
    private readonly short[] _decoded = new short[AudioKeystream.SamplesPerFrame];
    private uint _frameNonce;

    /// <summary>
    /// A decoded mix: the 512 samples and the peers it holds. Raised on the reader, under the
    /// session's lock; the array is reused after the handler returns.
    /// </summary>
    public event Action<short[], IReadOnlyList<ushort>>? AudioReceived;

    /// <summary>
    /// Optional: called once per mix received (every 32 ms, paced by the server's mixer) for the
    /// next 512 samples to send; null sends nothing.
    /// </summary>
    public Func<short[]?>? AudioSource { get; set; }

    /// <summary>Mixes received that we could not decrypt (a sender whose key we lack): lost, not played.</summary>
    public long LostFrames { get; private set; }

    /// <summary>Mixes decoded and delivered.</summary>
    public long ReceivedFrames { get; private set; }

    /// <summary>Test hook: send audio even when not authenticated (to check the server drops it).</summary>
    internal bool SendWithoutAuthentication { get; set; }

    /// <summary>
    /// Encrypts 512 samples (16 kHz) with our audio key and the next frame nonce and sends them to
    /// the mixer. False, nothing sent, unless the server counts us as knowing the password.
    /// </summary>
    public bool SendAudio(ReadOnlySpan<short> samples)
    {
        lock (_gate)
        {
            if (State != RoomClientState.Authenticated && !(SendWithoutAuthentication && State != RoomClientState.Closed))
            {
                return false;
            }

            // PICOTALK.md "Audio": a per-sender frame counter from 1.
            uint nonce = ++_frameNonce;
            int size = AudioFrame.WriteClientFrame(samples, _audioKey, UserId, nonce, _frame.AsSpan(RoomPacket.HeaderSize));
            RoomPacket.WriteHeader(RoomPacketType.AudioFrame, UserId, RoomMembership.Server, size, _frame);
            var inner = _frame.AsSpan(0, RoomPacket.HeaderSize + size);
            if (_useUdp)
            {
                SendUdp(inner);
            }
            else
            {
                Enqueue(inner.ToArray());
            }

            return true;
        }
    }

    /// <summary>The audio key of a verified peer; empty otherwise (so its frames count as lost).</summary>
    public ReadOnlySpan<byte> KeyOf(ushort peerId) =>
        _peers.TryGetValue(peerId, out var peer) && peer.Verified && !peer.Failed && peer.AudioKey is { } key ? key : [];

    /// <summary>Under the lock: decrypt a mix, hand it on, then send our next frame.</summary>
    private void HandleMix(ReadOnlySpan<byte> payload)
    {
        if (AudioFrame.TryDecrypt(payload, this, _decoded))
        {
            AudioFrame.TryRead(payload, out int tags);
            var senders = new ushort[tags];
            for (int i = 0; i < tags; i++)
            {
                senders[i] = AudioFrame.TagAt(payload, i).PeerId;
            }

            ReceivedFrames++;
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
}
