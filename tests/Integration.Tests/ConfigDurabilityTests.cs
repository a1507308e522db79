using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using PicoTalk.Protocol.Control;
using PicoTalk.Service.Config;
using PicoTalk.TestSupport;
using PicoTalk.Ui;
using Xunit.Abstractions;

namespace PicoTalk.Integration.Tests;

/// <summary>
/// Issue 5's definition of done: a real <c>picotalkd</c> is killed with SIGKILL at random moments
/// during a thousand <c>contacts</c> writes, and after every kill config.json (and its last-good
/// copy) is a valid config holding either the last acknowledged contacts or those of the one write
/// in flight: never a mix, never a partial file. Each restarted daemon must serve what the file holds.
/// The seed is printed; set PICOTALK_SEED to replay a run.
/// </summary>
public sealed class ConfigDurabilityTests(ITestOutputHelper output) : IDisposable
{
    private const int Writes = 1000;
    private const int SigKill = 9;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new("picotalk-durability");

    public void Dispose() => _dir.Dispose();

    private sealed record Entry(string Name, string Id, bool AutoAnswer, bool MayOpenDoor);

    [Fact]
    public async Task Killed_at_random_during_a_thousand_writes_the_config_is_always_the_old_or_the_new()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("PICOTALK_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out int given)
            ? given
            : Random.Shared.Next();
        output.WriteLine($"seed {seed} (PICOTALK_SEED={seed} replays this run)");
        var random = new Random(seed);
        string state = _dir.File("state");
        string config = Path.Combine(state, ConfigStore.FileName);
        // Keys the contacts command must keep, and the command line's --port 0 and --bind must not reach the file.
        DaemonProcess.WriteConfig(state, """{"name":"Durability","opus":{"bitrate":24000}}""");

        var acknowledged = new List<Entry>();
        var latencies = new List<double>();
        int attempted = 0, kills = 0, leftOld = 0, leftNew = 0, leftTemp = 0, nextName = 0;
        var run = Stopwatch.StartNew();
        while (attempted < Writes)
        {
            await using var daemon = await DaemonProcess.StartAsync(state, "--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null");
            await using var client = await ControlClient.ConnectAsync(daemon.ControlPath, CancellationToken.None);
            // The daemon started after a kill serves what the file holds, without repairs.
            Assert.Equal(acknowledged, await ListAsync(client));
            Assert.False(File.Exists(config + ConfigStore.BadSuffix), daemon.Output);
            Assert.Empty(Directory.GetFiles(state, ".config.json.*.tmp"));

            int writesBeforeKill = Math.Min(random.Next(20, 80), Writes - attempted - 1);
            for (int i = 0; i < writesBeforeKill; i++)
            {
                var (args, expected) = NextWrite(random, acknowledged, ref nextName);
                long started = Stopwatch.GetTimestamp();
                var reply = await client.RequestAsync(ControlCommands.Contacts, args, CancellationToken.None).WaitAsync(Timeout);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                attempted++;
                Assert.True(reply.Ok, reply.Error?.Message);
                Assert.Equal(expected, Entries(reply.ReadResult(ControlJsonContext.Default.ContactsResult)));
                acknowledged = expected;
            }

            // The write in flight: killed somewhere between sending it and (about) twice a write's usual time.
            var (flightArgs, inFlight) = NextWrite(random, acknowledged, ref nextName);
            double median = Median(latencies);
            long delayTicks = (long)(random.NextDouble() * 2 * median * Stopwatch.Frequency / 1000);
            var flight = client.RequestAsync(ControlCommands.Contacts, flightArgs, CancellationToken.None);
            attempted++;
            long until = Stopwatch.GetTimestamp() + delayTicks;
            while (Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(50); // a precise sub-millisecond delay; Task.Delay's is a millisecond or more
            }

            Assert.Equal(0, Kill(daemon.ProcessId, SigKill));
            kills++;
            await WaitForExitAsync(daemon);
            bool flightAcknowledged = await AcknowledgedAsync(flight);

            var onDisk = Stored(config);
            var copy = Stored(config + ConfigStore.LastGoodSuffix);
            string context = $"kill {kills} after {attempted} writes (seed {seed}); acknowledged {acknowledged.Count}, in flight {inFlight.Count}";
            Assert.True(onDisk.SequenceEqual(inFlight) || (!flightAcknowledged && onDisk.SequenceEqual(acknowledged)), $"config.json is a mix: {context}");
            Assert.True(copy.SequenceEqual(inFlight) || copy.SequenceEqual(acknowledged), $"config.json.last-good is a mix: {context}");
            var whole = ConfigStore.Parse(config, File.ReadAllBytes(config));
            Assert.Equal(("Durability", 24000, 5004, "::"), (whole.Name, whole.Opus.Bitrate, whole.UdpPort, whole.Bind));

            bool isNew = onDisk.SequenceEqual(inFlight);
            leftNew += isNew ? 1 : 0;
            leftOld += isNew ? 0 : 1;
            leftTemp += Directory.GetFiles(state, ".config.json.*.tmp").Length > 0 ? 1 : 0;
            acknowledged = isNew ? inFlight : acknowledged;
        }

        // The last kill's file, served by one more daemon that then stops cleanly.
        await using (var last = await DaemonProcess.StartAsync(state, "--no-lan-discovery", "--audio-in", "silence", "--audio-out", "null"))
        {
            await using var client = await ControlClient.ConnectAsync(last.ControlPath, CancellationToken.None);
            Assert.Equal(acknowledged, await ListAsync(client));
            Assert.Equal(0, await last.StopAsync(Timeout));
        }

        output.WriteLine($"{attempted} writes, {kills} kills in {run.Elapsed.TotalSeconds:0.0} s; after a kill the file held the old " +
            $"contacts {leftOld} times and the new {leftNew} times, and {leftTemp} kills left a temp file behind; " +
            $"a write took {Median(latencies):0.0} ms (median), {latencies.Max():0.0} ms at most");
        Assert.InRange(kills, 15, 25);
    }

    /// <summary>An add (more often while the list is short) or a remove of a random contact, and the
    /// list it leads to. Names vary in length so the file's size changes from write to write.</summary>
    private static (JsonElement Args, List<Entry> After) NextWrite(Random random, List<Entry> now, ref int nextName)
    {
        bool add = now.Count == 0 || (now.Count < ContactConfig.MaxContacts && random.NextDouble() < 0.65);
        if (!add)
        {
            var victim = now[random.Next(now.Count)];
            return (Args(new ContactsArgs(ContactOps.Remove, victim.Name)), now.Where(c => c != victim).ToList());
        }

        var idBytes = new byte[20];
        random.NextBytes(idBytes);
        var entry = new Entry($"contact {nextName++} " + new string('x', random.Next(1, 40)),
            Convert.ToHexStringLower(idBytes), random.Next(2) == 0, random.Next(2) == 0);
        return (Args(new ContactsArgs(ContactOps.Add, entry.Name, entry.Id.ToUpperInvariant(), entry.AutoAnswer, entry.MayOpenDoor)),
            [.. now, entry]);
    }

    private static JsonElement Args(ContactsArgs args) => JsonSerializer.SerializeToElement(args, ControlJsonContext.Default.ContactsArgs);

    private static async Task<List<Entry>> ListAsync(ControlClient client)
    {
        var reply = await client.RequestAsync(ControlCommands.Contacts, null, CancellationToken.None).WaitAsync(Timeout);
        Assert.True(reply.Ok, reply.Error?.Message);
        return Entries(reply.ReadResult(ControlJsonContext.Default.ContactsResult));
    }

    private static List<Entry> Entries(ContactsResult result) =>
        result.Contacts.Select(c => new Entry(c.Name, c.Id, c.AutoAnswer, c.MayOpenDoor)).ToList();

    /// <summary>The contacts a file holds; fails the test if it is not a whole, valid config.</summary>
    private static List<Entry> Stored(string path)
    {
        var parsed = ConfigStore.Parse(path, File.ReadAllBytes(path));
        return parsed.Contacts.Select(c => new Entry(c.Name, c.Id, c.AutoAnswer, c.MayOpenDoor)).ToList();
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return 5;
        }

        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Whether the daemon replied "ok" to the write in flight before it died.</summary>
    private static async Task<bool> AcknowledgedAsync(Task<ControlReply> flight)
    {
        try
        {
            return (await flight.WaitAsync(Timeout)).Ok;
        }
        catch (IOException)
        {
            return false; // ControlUnavailableException, ControlProtocolException: the connection died first
        }
    }

    /// <summary>Polls, with a deadline, until the killed process is gone (SIGKILL is not instant).</summary>
    private static async Task WaitForExitAsync(DaemonProcess daemon)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        while (!daemon.HasExited)
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, "picotalkd did not die of SIGKILL");
            await Task.Delay(5);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
