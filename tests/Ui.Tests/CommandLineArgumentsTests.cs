namespace PicoTalk.Ui.Tests;

public sealed class CommandLineArgumentsTests
{
    [Fact]
    public void Options_may_come_before_or_after_the_command()
    {
        Assert.True(CommandLineArguments.TryParse(["dial", "--json", "10.0.0.1:5004", "--control", "/tmp/c.sock"], out var parsed, out _));
        Assert.Equal(new CommandLineArguments("/tmp/c.sock", true, false, "dial", parsed!.Operands), parsed);
        Assert.Equal(["10.0.0.1:5004"], parsed.Operands);
    }

    [Fact]
    public void Double_dash_ends_options()
    {
        Assert.True(CommandLineArguments.TryParse(["dial", "--", "--json"], out var parsed, out _));
        Assert.False(parsed!.Json);
        Assert.Equal(["--json"], parsed.Operands);
    }

    [Fact]
    public void A_lone_dash_is_an_operand()
    {
        Assert.True(CommandLineArguments.TryParse(["dial", "-"], out var parsed, out _));
        Assert.Equal(["-"], parsed!.Operands);
    }

    [Theory]
    [InlineData(null, null, null, ControlSocketPath.DefaultPath)]
    [InlineData(null, null, "/run/picotalkd", "/run/picotalkd/control.sock")]
    [InlineData(null, null, "/run/a:/run/b", "/run/a/control.sock")]
    [InlineData(null, "/srv/pt.sock", "/run/picotalkd", "/srv/pt.sock")]
    [InlineData("/tmp/opt.sock", "/srv/pt.sock", "/run/picotalkd", "/tmp/opt.sock")]
    [InlineData(null, "", "", ControlSocketPath.DefaultPath)]
    public void Socket_path_precedence(string? option, string? variable, string? runtime, string expected)
    {
        var environment = new Dictionary<string, string?>
        {
            [ControlSocketPath.ControlVariable] = variable,
            [ControlSocketPath.RuntimeDirectoryVariable] = runtime,
        };
        Assert.Equal(expected, ControlSocketPath.Resolve(option, name => environment.GetValueOrDefault(name)));
    }
}
