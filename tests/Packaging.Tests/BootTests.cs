namespace PicoTalk.Packaging.Tests;

/// <summary>The rootfs with the package installed, booted by systemd-nspawn (issue 8, "Done when" 2):
/// picotalkd reaches READY under its hardened unit with the shipped default config (no GPIO chip or
/// sound card in a container: it says so in its status and still serves), the web page answers on
/// port 8080 under its own hardened unit, and the installed `picotalk` client reaches the daemon.</summary>
[Collection(PackagingCollection.Name)]
public sealed class BootTests(PackageFixture package)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);

    [PackagingFact]
    public async Task BootedRootfsRunsTheDaemonReadyAndServesTheWebPage()
    {
        using var rootfs = await DebianRootfs.CreateAsync();
        await rootfs.CopyDotnetRuntimeAsync();
        await rootfs.InstallAsync(package.Deb);
        await using var container = await BootedContainer.BootAsync(rootfs, BootTimeout);

        // Type=notify: the unit is "active" only once picotalkd has sent READY=1 (sd_notify(3));
        // its STATUS= then names the port.
        var deadline = DateTime.UtcNow + BootTimeout;
        string state = "", status = "";
        while (DateTime.UtcNow < deadline)
        {
            state = await container.UnitPropertyAsync("picotalkd.service", "ActiveState");
            status = await container.UnitPropertyAsync("picotalkd.service", "StatusText");
            if (state is "active" or "failed")
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(state == "active" && status.Contains("UDP port 5004", StringComparison.Ordinal),
            $"picotalkd.service: ActiveState={state} StatusText={status}\n{await JournalAsync(container)}\n{container.Console}");

        // The page: its unit is Type=exec, so poll the port itself.
        string page = "", code = "";
        while (DateTime.UtcNow < deadline)
        {
            var curl = await container.InNetworkAsync("curl", "-sS", "-L", "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:8080/");
            string[] lines = curl.Output.TrimEnd().Split('\n');
            code = lines[^1];
            page = string.Join('\n', lines[..^1]);
            if ((curl.ExitCode == 0 && code == "200") || await container.UnitPropertyAsync("picotalk-ui.service", "ActiveState") == "failed")
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(code == "200" && page.Contains("PicoTalk", StringComparison.Ordinal),
            $"http://127.0.0.1:8080/ in the container: HTTP {code}\n{page}\n{await JournalAsync(container)}");

        // The client as an administrator runs it (root reaches the 0660 socket).
        var client = await container.ExecAsync("/usr/bin/picotalk", "status");
        Assert.True(client.ExitCode == 0 && client.Output.Contains("udp port: 5004", StringComparison.Ordinal), $"picotalk status:\n{client.Output}");
    }

    private static async Task<string> JournalAsync(BootedContainer container) =>
        (await container.ExecAsync("journalctl", "--no-pager", "-u", "picotalkd", "-u", "picotalk-ui")).Output;
}
