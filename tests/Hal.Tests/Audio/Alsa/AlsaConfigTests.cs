using System.Runtime.InteropServices;
using PicoTalk.Hal.Audio.Alsa;

namespace PicoTalk.Hal.Tests.Audio.Alsa;

/// <summary>How the test configuration reaches libasound, and the device list built from it.</summary>
[Collection(AlsaCollection.Name)]
public sealed partial class AlsaConfigTests(AlsaTestConfig config)
{
    [Fact]
    public void The_managed_environment_alone_does_not_reach_the_c_library()
    {
        // Why AlsaTestConfig calls setenv(3): libasound's getenv would not see this variable.
        Environment.SetEnvironmentVariable("PICOTALK_ALSA_PROBE", "set");
        Assert.Equal(nint.Zero, getenv("PICOTALK_ALSA_PROBE"));
        Assert.Equal(config.ConfigFile, Marshal.PtrToStringUTF8(getenv("ALSA_CONFIG_PATH")));
    }

    [Fact]
    public void The_test_configuration_is_the_one_libasound_reads()
    {
        // Defined only in the test configuration: opens only if libasound read it.
        using var source = new AlsaSource(AlsaTestConfig.Capture, 20);
        Assert.Equal(AlsaTestConfig.Capture, source.Device);
    }

    [Fact]
    public void The_device_list_holds_the_hinted_test_pcm_and_alsas_own()
    {
        var devices = AlsaDeviceList.List();

        var capture = Assert.Single(devices, d => d.Name == AlsaTestConfig.Capture);
        Assert.Equal(AlsaTestConfig.CaptureDescription, capture.Description);
        // A configuration PCM's hint names no direction (IOID NULL): it may do both.
        Assert.True(capture.CanCapture);
        Assert.True(capture.CanPlay);

        // alsa.conf's own null PCM is hinted too.
        var nullPcm = Assert.Single(devices, d => d.Name == "null");
        Assert.StartsWith("Discard all samples", nullPcm.Description);
        Assert.All(devices, d => Assert.False(string.IsNullOrEmpty(d.Name)));
    }

    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);
}
