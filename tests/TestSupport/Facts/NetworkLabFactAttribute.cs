using PicoTalk.TestSupport.Net;
using Xunit;

namespace PicoTalk.TestSupport.Facts;

/// <summary>
/// Runs only where a <see cref="NetworkLab"/> can be built (root, ip netns, nft); skips with the
/// reason elsewhere. Under CI (CI=true) it never skips: CI runs as root, so a lab that cannot be
/// built there is a failure to see, not to hide.
/// </summary>
public sealed class NetworkLabFactAttribute : FactAttribute
{
    public NetworkLabFactAttribute()
    {
        if (!NetworkLab.IsSupported && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = NetworkLab.UnsupportedReason;
        }
    }
}
