using PicoTalk.Hal.Gpio;

namespace PicoTalk.Hal.Tests.Gpio;

/// <summary>
/// The character-device driver where this machine can reach it: there is no GPIO chip here (and no
/// gpio-sim module), so these are its error paths through the real open(2) and ioctl(2) calls. Its
/// structs and request bytes are checked in <see cref="GpioUapiLayoutTests"/>.
/// </summary>
public sealed class GpioChipTests
{
    [Fact]
    public void OpeningAMissingDeviceNamesThePathAndErrno()
    {
        var error = Assert.Throws<IOException>(() => GpioChips.Open("chip:/dev/nonexistent"));
        Assert.Contains("/dev/nonexistent", error.Message);
        Assert.Contains("errno 2 ", error.Message); // ENOENT
    }

    [Fact]
    public void ADeviceThatIsNotAGpioChipFailsTheChipInfoIoctlAndIsClosed()
    {
        // /dev/null opens, but answers GPIO_GET_CHIPINFO_IOCTL with ENOTTY.
        int fdsBefore = Directory.GetFiles("/proc/self/fd").Length;
        var error = Assert.Throws<IOException>(() => GpioChips.Open("chip:/dev/null"));
        Assert.Contains("/dev/null", error.Message);
        Assert.Contains("GPIO_GET_CHIPINFO_IOCTL", error.Message);
        Assert.Contains("errno 25 ", error.Message); // ENOTTY
        Assert.InRange(Directory.GetFiles("/proc/self/fd").Length, 0, fdsBefore + 2);
    }

    [Fact]
    public void AnUnknownSpecIsAFormatExceptionNamingIt()
    {
        var error = Assert.Throws<FormatException>(() => GpioChips.Open("bogus"));
        Assert.Contains("'bogus'", error.Message);
    }
}
