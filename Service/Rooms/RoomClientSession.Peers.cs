using PicoTalk.Protocol.Rooms;

namespace PicoTalk.Service.Rooms;

public sealed partial class RoomClientSession
{
    private readonly Dictionary<ushort, PeerLink> _peers = [];

    /// <summary>
    /// A peer as we know it: the password exchange (CPace when <paramref name="cpace"/> is given, between
    /// two members of ours; PicoTalk's otherwise), then the peer-to-peer channel on its key.
    /// </summary>
    private sealed class PeerLink(ushort id, ChannelRole role, string password, RoomExtensions extensions, CpaceExchange? cpace) : IDisposable
    {
        public ushort Id { get; } = id;

        /// <summary>The extensions both we and this peer speak: known from our server's "peer_joined" when we were here first; none otherwise (a newcomer learns the exchange kind from the first value it gets).</summary>
        public RoomExtensions Extensions { get; } = extensions;

        /// <summary>Initiator: we were in the room first and started on <c>peer_joined</c>.</summary>
        public ChannelRole Role { get; } = role;

        private readonly PasswordExchange? _picoTalkExchange = cpace is null ? new PasswordExchange(password) : null;

        /// <summary>The exchange is CPace (fixed when the link is made: by "peer_joined" for the initiator, by the first value for the responder).</summary>
        public bool UsesCpace => cpace is not null;

        /// <summary>Our exchange value: Binary(33) = 0x01 || Y for CPace, Binary(32) for PicoTalk's exchange.</summary>
        public ReadOnlySpan<byte> OurValue => cpace is not null ? cpace.Message : _picoTalkExchange!.PublicValue;

        /// <summary>The channel key (32 bytes) from the peer's value; false if the value is invalid or of the other kind.</summary>
        public bool TryDeriveKey(ReadOnlySpan<byte> theirValue, Span<byte> key) =>
            cpace?.TryDeriveKey(theirValue, key) ?? _picoTalkExchange!.TryDeriveKey(theirValue, key);

        public SecureChannel? Channel { get; set; }

        /// <summary>The peer's exchange value, to recognise it when the initiator sends it again.</summary>
        public byte[] TheirPublic { get; set; } = [];

        /// <summary>Its <c>{"status":"ok"}</c> opened: it knows the password.</summary>
        public bool Verified { get; set; }

        /// <summary>Its <c>{"status":"ok"}</c> did not open: one of us has the wrong password.</summary>
        public bool Failed { get; set; }

        public string? UserName { get; set; }

        public byte[]? AudioKey { get; set; }

        public void Dispose()
        {
            _picoTalkExchange?.Dispose();
            cpace?.Dispose();
            Channel?.Dispose();
        }
    }

    /// <summary>The members we have heard from (not us), in address order.</summary>
    public IReadOnlyList<RoomMemberInfo> Members
    {
        get
        {
            lock (_gate)
            {
                return [.. _peers.Values.OrderBy(p => p.Id).Select(p => new RoomMemberInfo(p.Id, p.UserName, p.Verified, p.Failed))];
            }
        }
    }

    public event Action<ushort, string>? ChatReceived;

    /// <summary>Which exchange we run with <paramref name="peerId"/>: true CPace, false PicoTalk's; null for no such peer.</summary>
    internal bool? UsesCpaceWith(ushort peerId)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(peerId, out var link) ? link.UsesCpace : null;
        }
    }

    /// <summary>Test hook: a member that never starts a password exchange (a newcomer then hears nobody).</summary>
    internal bool IgnorePeers { get; set; }

    /// <summary>Sends a chat line to every verified peer over its own channel; returns how many.</summary>
    public int SendChat(string text)
    {
        lock (_gate)
        {
            int sent = 0;
            foreach (var peer in _peers.Values)
            {
                if (peer.Verified && !peer.Failed)
                {
                    SendToPeer(peer, new RoomMessage { ChatMessage = text });
                    sent++;
                }
            }

            return sent;
        }
    }

    /// <summary>Every packet the server sent us, opened.</summary>
    private void HandleInner(ReadOnlySpan<byte> innerPacket)
    {
        if (!RoomPacket.TryReadWhole(innerPacket, out var packet, out _))
        {
            return;
        }

        lock (_gate)
        {
            if (State is RoomClientState.Closed)
            {
                return;
            }

            if (packet.Src == RoomMembership.Server)
            {
                if (packet.Type is RoomPacketType.AudioFrame or RoomPacketType.WideAudioFrame)
                {
                    HandleMix(packet.Type, packet.Payload);
                }
                else if (packet.Type == RoomPacketType.Json && RoomMessage.TryParse(packet.Payload, out var message))
                {
                    HandleServerMessage(message);
                }
            }
            else if (packet.Type == RoomPacketType.Binary && packet.Src >= RoomMembership.FirstPeer && packet.Src != UserId)
            {
                HandlePeerBinary(packet.Src, packet.Payload);
            }
        }
    }

    private void HandleServerMessage(RoomMessage message)
    {
        if (message.UserId is { } userId && message.UdpStreamId is { } streamId && State == RoomClientState.Connecting)
        {
            UserId = userId;
            _udpStreamId = streamId;
            _udpPort = message.UdpPort ?? 0;
            ServerExtensions = (message.Extensions ?? RoomExtensions.None) & _options.Extensions;
            SetState(RoomClientState.Joined);
            _passwordTimer = _options.Time.CreateTimer(_ => PasswordTimeoutExpired(), null, _options.PasswordTimeout, Timeout.InfiniteTimeSpan);
            _joined.TrySetResult();
            return;
        }

        if (message.UdpCheck == "ok")
        {
            _udpChecked.TrySetResult();
            return;
        }

        if (message.PeerId is not { } peerId)
        {
            return;
        }

        switch (message.Event)
        {
            case RoomMessage.PeerJoined when peerId != UserId && !_peers.ContainsKey(peerId) && !IgnorePeers:
                // We were here first: we start the exchange (PICOTALK.md "Inside a room"), CPace if
                // our server says the newcomer speaks it too.
                var extensions = (message.Extensions ?? RoomExtensions.None) & ServerExtensions;
                var cpace = extensions.HasFlag(RoomExtensions.Cpace) ? NewCpace(UserId, peerId, ChannelRole.Initiator) : null;
                var link = new PeerLink(peerId, ChannelRole.Initiator, _options.Password, extensions, cpace);
                _peers.Add(peerId, link);
                SendBinaryToPeer(peerId, link.OurValue);
                break;
            case RoomMessage.PeerAuthenticated:
                if (peerId == UserId)
                {
                    SetState(RoomClientState.Authenticated);
                }

                ResendPendingExchanges(peerId == UserId ? null : peerId);
                break;
            case RoomMessage.PeerDisconnected:
                if (_peers.Remove(peerId, out var gone))
                {
                    gone.Dispose();
                    AudioMemberLeft(peerId); // KeyRotation: a new audio key the leaver never gets
                }

                break;
        }
    }

    /// <summary>
    /// A Binary packet from a peer: its password exchange value, or a sealed peer-to-peer message.
    /// Which one is told by the link's state, not by length (a sealed message of 16 or 17 JSON bytes
    /// is 32 or 33 bytes long too): until we hold the channel every Binary is the exchange value;
    /// after that only the initiator's value sent again can still come, and it equals the one we
    /// took (see ResendPendingExchanges). The kind of exchange is told by length: CPace's value is
    /// 33 bytes starting 0x01 (CpaceExchange), PicoTalk's 32.
    /// </summary>
    private void HandlePeerBinary(ushort src, ReadOnlySpan<byte> payload)
    {
        if (!_peers.TryGetValue(src, out var link))
        {
            // The peer was in the room first; we join its exchange when we first hear from it, of
            // the kind its value shows (our server sends a CPace value only to a member of ours
            // that announced CPace; a PicoTalk newcomer only ever gets 32 bytes).
            var cpace = CpaceExchange.IsMessage(payload) && _options.Extensions.HasFlag(RoomExtensions.Cpace)
                ? NewCpace(src, UserId, ChannelRole.Responder)
                : null;
            link = new PeerLink(src, ChannelRole.Responder, _options.Password, RoomExtensions.None, cpace);
            _peers.Add(src, link);
            SendBinaryToPeer(src, link.OurValue);
        }

        if (link.Channel is null)
        {
            Span<byte> key = stackalloc byte[SecureChannel.KeySize];
            if (!link.TryDeriveKey(payload, key))
            {
                PeerFailed(link);
                return;
            }

            link.TheirPublic = payload.ToArray();
            link.Channel = new SecureChannel(key, ChannelKind.PeerToPeer, link.Role);
            key.Clear();
            SendToPeer(link, new RoomMessage { Status = "ok" });
            return;
        }

        if (link.Failed || payload.SequenceEqual(link.TheirPublic))
        {
            return; // given up on, or its exchange value again (see ResendPendingExchanges)
        }

        Span<byte> plain = stackalloc byte[Math.Max(0, payload.Length - link.Channel.Overhead)];
        if (!link.Channel.TryOpen(payload, plain, out int length) || !RoomMessage.TryParse(plain[..length], out var message))
        {
            if (!link.Verified)
            {
                PeerFailed(link);
            }

            return;
        }

        HandlePeerMessage(link, message);
    }

    private void HandlePeerMessage(PeerLink link, RoomMessage message)
    {
        if (message.Status == "ok" && !link.Verified)
        {
            link.Verified = true;
            // Vouch for it (the server heeds us once we are authenticated), then our name and audio key.
            Enqueue(Packets.Json(UserId, RoomMembership.Server, RoomMembership.PeerEvent(RoomMessage.PeerAuthenticated, link.Id)));
            SendToPeer(link, AudioKeyMessage());
            return;
        }

        if (!link.Verified)
        {
            return; // nothing counts before the status
        }

        if (message.AudioEncryptionKey is not null && AudioKey.TryParseHex(message.AudioEncryptionKey, out byte[] key))
        {
            link.AudioKey = key;
            link.UserName = message.UserName ?? link.UserName;
            AcceptAudioKey(link.Id, message, key);
        }

        if (message.ChatMessage is { } chat)
        {
            ChatReceived?.Invoke(link.Id, chat);
        }
    }

    /// <summary>
    /// The server drops packets between two members neither of whom is authenticated yet, so the
    /// first value of an exchange between two newcomers who joined at once is lost. When one of
    /// them becomes authenticated the path opens: the initiator sends its value again (the same
    /// one; the responder has not answered, or we would hold the key).
    /// </summary>
    private void ResendPendingExchanges(ushort? onlyTo)
    {
        foreach (var link in _peers.Values)
        {
            if (link.Role == ChannelRole.Initiator && link.Channel is null && !link.Failed && (onlyTo is null || onlyTo == link.Id))
            {
                SendBinaryToPeer(link.Id, link.OurValue);
            }
        }
    }

    /// <summary>
    /// A CPace exchange for the pair (initiator, responder) keyed by the "picotalk-cpace" subkey of
    /// the password stretched at connect; null (PicoTalk's exchange) if we did not stretch it.
    /// </summary>
    private CpaceExchange? NewCpace(ushort initiatorId, ushort responderId, ChannelRole ownRole)
    {
        if (_stretchedPassword is null)
        {
            return null;
        }

        Span<byte> prs = stackalloc byte[CpaceExchange.PrsSize];
        try
        {
            _stretchedPassword.DeriveSubkey("picotalk-cpace", prs);
            return new CpaceExchange(prs, RoomId.FromName(_options.RoomName), initiatorId, responderId, ownRole);
        }
        finally
        {
            prs.Clear();
        }
    }

    /// <summary>
    /// A peer's status did not open. If the server already counts us as knowing the password, the
    /// peer is the one that does not; otherwise it is us (issue 7: report it, send no audio).
    /// </summary>
    private void PeerFailed(PeerLink link)
    {
        link.Failed = true;
        if (State != RoomClientState.Authenticated)
        {
            SetState(RoomClientState.WrongPassword);
        }
    }

    private void PasswordTimeoutExpired()
    {
        lock (_gate)
        {
            if (State == RoomClientState.Joined)
            {
                SetState(RoomClientState.WrongPassword);
            }
        }
    }

    private void SendBinaryToPeer(ushort peerId, ReadOnlySpan<byte> payload) =>
        Enqueue(Packets.Make(RoomPacketType.Binary, UserId, peerId, payload));

    private void SendToPeer(PeerLink link, RoomMessage message)
    {
        byte[] json = message.ToJson();
        var packet = new byte[RoomPacket.HeaderSize + json.Length + link.Channel!.Overhead];
        link.Channel.SealPacket(json, UserId, link.Id, packet);
        Enqueue(packet);
    }

    private void DisposePeers()
    {
        foreach (var peer in _peers.Values)
        {
            peer.Dispose();
        }

        _peers.Clear();
    }
}
