using PicoTalk.TestSupport.Interop;
using Xunit;

namespace PicoTalk.TestSupport.Facts;

/// <summary>
/// A fact that needs node and npm (the bittorrent-dht interop): skipped, saying why, only where
/// they are not installed. With them installed, an npm registry that cannot be reached fails the
/// test with npm's own words (<see cref="NpmDhtUnavailableException"/>), as CI must notice it.
/// </summary>
public sealed class NpmFactAttribute : FactAttribute
{
    public NpmFactAttribute()
    {
        if (NpmDhtInstall.FindOnPath("node") is null || NpmDhtInstall.FindOnPath("npm") is null)
        {
            Skip = "node and npm are not installed (apt-get install nodejs npm): the bittorrent-dht interop test installs " +
                   "the npm package bittorrent-dht with them";
        }
    }
}
