using System.Text;
using PicoTalk.Service.Config;

namespace PicoTalk.Service.Tests.Config;

/// <summary>The appliance's keys (issue 5): gpio, the calls additions and contacts, each refused naming the key.</summary>
public sealed class ApplianceConfigTests
{
    private const string IdA = "0123456789abcdef0123456789abcdef01234567";
    private const string IdB = "fedcba9876543210fedcba9876543210fedcba98";

    private static DaemonConfig Parse(string json) => ConfigStore.Parse("config.json", Encoding.UTF8.GetBytes(json));

    private static ConfigException Refused(string json) =>
        Assert.Throws<ConfigException>(() => Parse(json));

    [Fact]
    public void Defaults_are_the_documented_pins_and_policies()
    {
        var config = Parse("{}");
        var g = config.Gpio;
        Assert.Equal(("sim", 17, 27, 22, 23, 24, 25), (g.Chip, g.Answer, g.Call, g.Ptt, g.StatusLed, g.CallLed, g.Door));
        Assert.Equal((true, 30, 1500, 3000), (g.ActiveLow, g.DebounceMs, g.LongPressMs, g.DoorPulseMs));
        var c = config.Calls;
        Assert.Equal((false, 3, "allow", false, "", false, true),
            (c.AutoAnswer, c.AutoAnswerDelaySeconds, c.UnknownCallers, c.DoNotDisturb, c.SpeedDial, c.HalfDuplex, c.Ringtone));
        Assert.Empty(config.Contacts);
    }

    [Fact]
    public void Every_key_reads_back_from_the_file()
    {
        var config = Parse($$"""
            {
              "gpio": {"chip": "chip:/dev/gpiochip4", "answer": 5, "call": 6, "ptt": 13, "status_led": 19,
                       "call_led": 26, "door": 21, "active_low": false, "debounce_ms": 10,
                       "long_press_ms": 800, "door_pulse_ms": 500},
              "calls": {"auto_answer": true, "auto_answer_delay_seconds": 0, "unknown_callers": "ring_only",
                        "do_not_disturb": true, "speed_dial": "Gate", "half_duplex": true, "ringtone": false},
              "contacts": [{"name": "Gate", "id": "{{IdA.ToUpperInvariant()}}", "auto_answer": true, "may_open_door": true},
                           {"name": "Kitchen", "id": "{{IdB}}"}]
            }
            """);
        var g = config.Gpio;
        Assert.Equal(("chip:/dev/gpiochip4", 5, 6, 13, 19, 26, 21), (g.Chip, g.Answer, g.Call, g.Ptt, g.StatusLed, g.CallLed, g.Door));
        Assert.Equal((false, 10, 800, 500), (g.ActiveLow, g.DebounceMs, g.LongPressMs, g.DoorPulseMs));
        var c = config.Calls;
        Assert.Equal((true, 0, "ring_only", true, "Gate", true, false),
            (c.AutoAnswer, c.AutoAnswerDelaySeconds, c.UnknownCallers, c.DoNotDisturb, c.SpeedDial, c.HalfDuplex, c.Ringtone));
        Assert.Equal(2, config.Contacts.Count);
        Assert.Equal(new ContactConfig { Name = "Gate", Id = IdA.ToUpperInvariant(), AutoAnswer = true, MayOpenDoor = true }, config.Contacts[0]);
        Assert.Equal(new ContactConfig { Name = "Kitchen", Id = IdB }, config.Contacts[1]);
    }

    [Theory]
    [InlineData("""{"gpio":{"chip":"/dev/gpiochip0"}}""", "gpio.chip")]
    [InlineData("""{"gpio":{"chip":"chip:/dev/sda"}}""", "gpio.chip")]
    [InlineData("""{"gpio":{"answer":-1}}""", "gpio.answer")]
    [InlineData("""{"gpio":{"door":512}}""", "gpio.door")]
    [InlineData("""{"gpio":{"ptt":"22"}}""", "gpio.ptt")]
    [InlineData("""{"gpio":{"debounce_ms":0}}""", "gpio.debounce_ms")]
    [InlineData("""{"gpio":{"debounce_ms":501}}""", "gpio.debounce_ms")]
    [InlineData("""{"gpio":{"long_press_ms":199}}""", "gpio.long_press_ms")]
    [InlineData("""{"gpio":{"long_press_ms":10001}}""", "gpio.long_press_ms")]
    [InlineData("""{"gpio":{"debounce_ms":400,"long_press_ms":300}}""", "gpio.long_press_ms")]
    [InlineData("""{"gpio":{"door_pulse_ms":99}}""", "gpio.door_pulse_ms")]
    [InlineData("""{"gpio":{"door_pulse_ms":30001}}""", "gpio.door_pulse_ms")]
    [InlineData("""{"gpio":{"active_low":1}}""", "gpio.active_low")]
    [InlineData("""{"gpio":{"led":1}}""", "gpio.led")]
    [InlineData("""{"calls":{"auto_answer_delay_seconds":-1}}""", "calls.auto_answer_delay_seconds")]
    [InlineData("""{"calls":{"auto_answer_delay_seconds":61}}""", "calls.auto_answer_delay_seconds")]
    [InlineData("""{"calls":{"unknown_callers":"deny"}}""", "calls.unknown_callers")]
    [InlineData("""{"calls":{"unknown_callers":"Allow"}}""", "calls.unknown_callers")]
    [InlineData("""{"calls":{"speed_dial":"Nobody"}}""", "calls.speed_dial")]
    [InlineData("""{"calls":{"speed_dial":"0123"}}""", "calls.speed_dial")]
    [InlineData("""{"calls":{"ringtone":"yes"}}""", "calls.ringtone")]
    [InlineData("""{"contacts":[{"name":"","id":"0123456789abcdef0123456789abcdef01234567"}]}""", "contacts[0].name")]
    [InlineData("""{"contacts":[{"id":"0123456789abcdef0123456789abcdef01234567"}]}""", "contacts[0].name")]
    [InlineData("""{"contacts":[{"name":" Gate","id":"0123456789abcdef0123456789abcdef01234567"}]}""", "contacts[0].name")]
    [InlineData("""{"contacts":[{"name":"a\u0007b","id":"0123456789abcdef0123456789abcdef01234567"}]}""", "contacts[0].name")]
    [InlineData("""{"contacts":[{"name":"gate:5004","id":"0123456789abcdef0123456789abcdef01234567"}]}""", "contacts[0].name")]
    [InlineData("""{"contacts":[{"name":"fedcba9876543210fedcba9876543210fedcba98","id":"0123456789abcdef0123456789abcdef01234567"}]}""", "contacts[0].name")]
    [InlineData("""{"contacts":[{"name":"Gate","id":"0123"}]}""", "contacts[0].id")]
    [InlineData("""{"contacts":[{"name":"Gate","id":"0123456789abcdef0123456789abcdef0123456z"}]}""", "contacts[0].id")]
    [InlineData("""{"contacts":[{"name":"Gate"}]}""", "contacts[0].id")]
    [InlineData("""{"contacts":[{"name":"Gate","id":"0123456789abcdef0123456789abcdef01234567","door":true}]}""", "contacts[0].door")]
    [InlineData("""{"contacts":[{"name":"Gate","id":"0123456789abcdef0123456789abcdef01234567","auto_answer":"true"}]}""", "contacts[0].auto_answer")]
    [InlineData("""{"contacts":[null]}""", "contacts[0]")]
    [InlineData("""{"contacts":[{"name":null,"id":"0123456789abcdef0123456789abcdef01234567"}]}""", "contacts[0].name")]
    [InlineData("""{"contacts":null}""", "contacts")]
    public void A_bad_value_is_refused_naming_the_key(string json, string key)
    {
        var e = Refused(json);
        Assert.Contains(e.Errors, error => error.Key == key);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void A_null_is_refused_as_null_rather_than_as_broken_json()
    {
        var e = Refused("""{"contacts":null}""");
        Assert.Equal("contacts: must not be null (leave the key out for its default)", Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void Two_keys_on_one_line_are_refused_naming_both()
    {
        var e = Refused("""{"gpio":{"ptt":17}}""");
        var error = Assert.Single(e.Errors);
        Assert.Equal("gpio.ptt", error.Key);
        Assert.Contains("gpio.answer", error.Reason);
    }

    [Fact]
    public void A_name_of_64_bytes_is_taken_and_65_refused()
    {
        string name64 = new string('é', 32); // two bytes each in UTF-8
        Assert.Equal(name64, Parse($$"""{"contacts":[{"name":"{{name64}}","id":"{{IdA}}"}]}""").Contacts[0].Name);
        var e = Refused($$"""{"contacts":[{"name":"{{name64}}x","id":"{{IdA}}"}]}""");
        Assert.Equal("contacts[0].name", Assert.Single(e.Errors).Key);
    }

    [Fact]
    public void Names_are_unique_without_case_and_ids_without_case()
    {
        var names = Refused($$"""{"contacts":[{"name":"Gate","id":"{{IdA}}"},{"name":"GATE","id":"{{IdB}}"}]}""");
        Assert.Equal("contacts[1].name", Assert.Single(names.Errors).Key);
        Assert.Contains("contacts[0]", names.Errors[0].Reason);

        var ids = Refused($$"""{"contacts":[{"name":"Gate","id":"{{IdA}}"},{"name":"Side","id":"{{IdA.ToUpperInvariant()}}"}]}""");
        Assert.Equal("contacts[1].id", Assert.Single(ids.Errors).Key);
    }

    [Fact]
    public void At_most_256_contacts()
    {
        var config = new DaemonConfig();
        for (int i = 0; i < ContactConfig.MaxContacts; i++)
        {
            config.Contacts.Add(new ContactConfig { Name = $"c{i}", Id = i.ToString("x40") });
        }

        Assert.Empty(config.Validate());
        config.Contacts.Add(new ContactConfig { Name = "one more", Id = IdA });
        Assert.Equal("contacts", Assert.Single(config.Validate()).Key);
    }

    [Theory]
    [InlineData("gate")]
    [InlineData("0123456789ABCDEF0123456789abcdef01234567")]
    [InlineData("door.example:5004")]
    [InlineData("[::1]:5004")]
    public void Speed_dial_takes_a_contact_name_without_case_an_id_or_host_port(string speedDial)
    {
        var config = Parse($$"""{"calls":{"speed_dial":"{{speedDial}}"},"contacts":[{"name":"Gate","id":"{{IdA}}"}]}""");
        Assert.Equal(speedDial, config.Calls.SpeedDial);
    }
}
