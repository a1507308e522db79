using PicoTalk.Hal.Audio;
using PicoTalk.Hal.Audio.Dsp;
using PicoTalk.Protocol.Media;
using PicoTalk.Protocol.Session;
using PicoTalk.Service.Calls;
using PicoTalk.Service.Daemon;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Media;

/// <summary>
/// Opens the configured sound devices when a call is answered and closes them when it ends, so a
/// WAV input plays from its start in every call and an idle appliance holds no device open. A device
/// that cannot be opened is logged and replaced by silence, so the call itself still works.
/// </summary>
public sealed class DeviceCallMediaFactory(
    EventLoop loop,
    AudioDeviceSpec input,
    AudioDeviceSpec output,
    CallMediaSettings settings,
    VoiceProcessingSettings voice,
    TimeProvider time,
    DaemonLog log,
    AudioGains? gains = null) : ICallMediaFactory
{
    public ICallMedia Start(SecureSession session)
    {
        int frameMs = settings.Encoder.FrameMilliseconds;
        IAudioSource source;
        try
        {
            // A WAV microphone starts at the file's beginning in every call and loops.
            source = AudioDevices.OpenSource(input, frameMs, time, loop: true);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or ArgumentException)
        {
            log.Error($"audio input {input}: {e.Message}; sending silence");
            source = AudioDevices.OpenSource(AudioDeviceSpec.Parse("silence"), frameMs, time);
        }

        IAudioSink sink;
        try
        {
            sink = AudioDevices.OpenSink(output, frameMs, time);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or ArgumentException)
        {
            log.Error($"audio output {output}: {e.Message}; discarding received audio");
            sink = AudioDevices.OpenSink(AudioDeviceSpec.Parse("null"), frameMs, time);
        }

        VoiceProcessor processor;
        try
        {
            processor = new VoiceProcessor(source.FrameSamples, voice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Without libspeexdsp the call still works, with the microphone as it is.
            log.Error($"voice processing unavailable ({e.Message}); install libspeexdsp1. Sending the microphone unprocessed");
            processor = new VoiceProcessor(source.FrameSamples, VoiceProcessingSettings.None);
        }

        return new DeviceCallMedia(loop, session, source, sink, processor, settings, log.Warn, gains);
    }
}
