using PicoTalk.Protocol.Identity;
using PicoTalk.Protocol.Wire;

namespace PicoTalk.Protocol.Dht.Lan;

/// <summary>A PicoTalk DHT node found on the LAN: the announce's source address with its Port header,
/// and its X-PicoTalk-Id when it sent one (the DHT pings it either way and learns the ID then).</summary>
public readonly record struct LanPeer(PeerEndpoint DhtNode, NodeId? Id);

/// <summary>What <see cref="LanDiscovery.Receive"/> did with one datagram.</summary>
public enum LanReceiveResult
{
    /// <summary>A new or changed PicoTalk node: hand <see cref="LanPeer"/> to the DHT.</summary>
    Reported,

    /// <summary>Not a valid BEP 14 announce; dropped.</summary>
    Malformed,

    /// <summary>Our own announce, looped back by the kernel (same cookie or same node ID).</summary>
    OwnEcho,

    /// <summary>A valid announce for torrents, not for PicoTalk appliances; ignored.</summary>
    OtherInfohash,

    /// <summary>A PicoTalk node reported recently, or the report bucket is empty.</summary>
    RateLimited,
}

/// <summary>Running totals, safe to read from any thread.</summary>
public sealed class LanDiscoveryCounters
{
    private long _announcesDue;
    private long _received;
    private long _reported;
    private long _malformed;
    private long _ownEcho;
    private long _otherInfohash;
    private long _rateLimited;

    public long AnnouncesDue => Interlocked.Read(ref _announcesDue);
    public long Received => Interlocked.Read(ref _received);
    public long Reported => Interlocked.Read(ref _reported);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long OwnEcho => Interlocked.Read(ref _ownEcho);
    public long OtherInfohash => Interlocked.Read(ref _otherInfohash);
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    internal void CountAnnounce() => Interlocked.Increment(ref _announcesDue);

    internal void Count(LanReceiveResult result)
    {
        Interlocked.Increment(ref _received);
        switch (result)
        {
            case LanReceiveResult.Reported:
                Interlocked.Increment(ref _reported);
                break;
            case LanReceiveResult.Malformed:
                Interlocked.Increment(ref _malformed);
                break;
            case LanReceiveResult.OwnEcho:
                Interlocked.Increment(ref _ownEcho);
                break;
            case LanReceiveResult.OtherInfohash:
                Interlocked.Increment(ref _otherInfohash);
                break;
            case LanReceiveResult.RateLimited:
                Interlocked.Increment(ref _rateLimited);
                break;
        }
    }

    public override string ToString() =>
        $"announces={AnnouncesDue} received={Received} reported={Reported} malformed={Malformed} " +
        $"echo={OwnEcho} other={OtherInfohash} limited={RateLimited}";
}
