namespace PicoTalk.Protocol.Rooms;

/// <summary>
/// Our extensions to PicoTalk v0.0.20 (PICOTALK.md "Its gaps"), announced as the extra JSON key
/// <c>"picotalk_ext"</c>, which PicoTalk clients and servers ignore: a client of ours puts its set in
/// the join, our server answers with the set it serves in "joined" and passes each joiner's set on
/// in "peer_joined". An extension is used only where both ends announced it, so a PicoTalk client or
/// server in the path sees plain v0.0.20.
/// </summary>
[Flags]
public enum RoomExtensions : ushort
{
    None = 0,

    /// <summary>CPace on ristretto255 with an Argon2id-stretched password instead of the SHA-512 generator exchange (between two members of ours).</summary>
    Cpace = 1,

    /// <summary>Samples in 32-bit lanes so sums cannot wrap, with an integrity tag on the mix (member of ours and our server).</summary>
    WideAudio = 2,

    /// <summary>A member draws a new audio key when another leaves (key messages carry "picotalk_key_epoch" and "picotalk_key_from").</summary>
    KeyRotation = 4,

    /// <summary>What this build speaks.</summary>
    All = Cpace | WideAudio | KeyRotation,
}
