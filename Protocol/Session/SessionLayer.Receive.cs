using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Session;

/// <summary>The receive path of Media and Control packets. Allocation-free for media; never throws.</summary>
public sealed partial class SessionLayer
{
    private void HandleSealed(ReadOnlySpan<byte> datagram, PeerEndpoint from)
    {
        if (!SealedPacket.TryRead(datagram, out var packet))
        {
            _drops.Count(DropReason.Malformed);
            return;
        }

        if (!_established.TryGetValue(from, out var session) || session.Keys is not { } keys)
        {
            _drops.Count(DropReason.UnknownSession);
            return;
        }

        long now = _time.GetTimestamp();
        var plaintext = _receiveBuffer.AsSpan(0, packet.Ciphertext.Length);
        var result = keys.In(packet.Type).TryOpen(packet, plaintext);
        bool underCurrentKeys = result == OpenResult.Opened;
        if (!underCurrentKeys && session.PreviousKeys is { } previous && now < session.PreviousKeysExpireAt
            && previous.In(packet.Type).TryOpen(packet, plaintext) == OpenResult.Opened)
        {
            // Sealed before the peer switched to the new keys and still in flight (rekey grace).
            result = OpenResult.Opened;
        }

        if (result != OpenResult.Opened)
        {
            _drops.Count(result == OpenResult.Replayed ? DropReason.Replayed : DropReason.AuthenticationFailed);
            return;
        }

        session.LastReceivedAt = now;
        session.PacketsReceived++;
        session.BytesReceived += plaintext.Length;
        Counters.PacketOpened();
        if (underCurrentKeys)
        {
            // The peer sealed under the newest keys, so it has our KeyConfirm: stop resending it.
            session.ConfirmToResend = null;
        }

        if (packet.Type == PacketType.Media)
        {
            if (underCurrentKeys)
            {
                session.LastReceivedMediaSequence = keys.MediaIn.Window.Highest;
            }

            _observer.OnMedia(session, packet.Sequence, plaintext);
            return;
        }

        if (plaintext.Length > 0 && plaintext[0] == ReceiverReport.Kind)
        {
            if (!ReceiverReport.TryRead(plaintext, out var report))
            {
                _drops.Count(DropReason.Malformed);
                return;
            }

            _observer.OnReport(session, report);
            return;
        }

        if (!SignalMessage.TryRead(plaintext, out var message))
        {
            // Authentic but not understood (for example a kind from a newer version): dropped, counted.
            _drops.Count(DropReason.Malformed);
            return;
        }

        if (message.Kind != SignalKind.Keepalive)
        {
            _observer.OnSignal(session, message);
        }
    }
}
