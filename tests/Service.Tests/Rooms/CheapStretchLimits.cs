using System.Runtime.CompilerServices;
using PicoTalk.Protocol.Rooms;
using PicoTalk.Service.Rooms;

namespace PicoTalk.Service.Tests.Rooms;

/// <summary>
/// Every room client in this test assembly stretches the password with Argon2id at its cheapest
/// (1 pass, 8 KiB): dozens of members join in these tests, each would otherwise spend 64 MiB and
/// a few passes on the mix integrity key, and all members of a room must use the same cost.
/// </summary>
internal static class CheapStretchLimits
{
    public static readonly PasswordStretchLimits Limits = new(1, 8192);

    [ModuleInitializer]
    internal static void Apply() => RoomClientSession.TestStretchLimits = Limits;
}
