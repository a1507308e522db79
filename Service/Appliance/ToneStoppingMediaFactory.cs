using PicoTalk.Protocol.Session;
using PicoTalk.Service.Calls;

namespace PicoTalk.Service.Appliance;

/// <summary>Stops the ringtone, and closes its sound card, before a call's media opens the same card:
/// the call controller starts the media when it enters the call, before it tells anyone the state
/// changed, so stopping the tone on the state change would come too late.</summary>
public sealed class ToneStoppingMediaFactory(TonePlayer tones, ICallMediaFactory media) : ICallMediaFactory
{
    public ICallMedia Start(SecureSession session)
    {
        tones.Stop();
        return media.Start(session);
    }
}
