using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Config;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Tests.Config;

/// <summary>ContactBook: changes reach the disk before the list, off the loop, one at a time, in order.</summary>
public sealed class ContactBookTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const string IdA = "0123456789abcdef0123456789abcdef01234567";
    private const string IdB = "fedcba9876543210fedcba9876543210fedcba98";

    private readonly string _dir = Directory.CreateTempSubdirectory("picotalk-contacts-").FullName;
    private readonly EventLoop _loop = new(TimeProvider.System, e => throw e);
    private readonly List<string> _warnings = [];

    public ContactBookTests() => _loop.Start();

    public void Dispose()
    {
        _loop.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string ConfigPath => Path.Combine(_dir, ConfigStore.FileName);

    private ContactBook Book(ContactBook.ConfigUpdater? update = null)
    {
        var stored = ConfigStore.LoadOrCreate(ConfigPath, _warnings.Add);
        return new ContactBook(_loop, ConfigPath, stored.Contacts, _warnings.Add, update);
    }

    private DaemonConfig OnDisk() => ConfigStore.Parse(ConfigPath, File.ReadAllBytes(ConfigPath));

    private Task<T> OnLoop<T>(Func<T> f) => _loop.InvokeAsync(f).WaitAsync(Timeout);

    [Fact]
    public async Task Add_writes_the_file_keeping_its_other_keys_then_the_list_finds_it()
    {
        File.WriteAllText(ConfigPath, """{"name":"Porch","opus":{"bitrate":24000}}""");
        var book = Book();

        var change = await book.AddAsync("Gate", IdA.ToUpperInvariant(), autoAnswer: true, mayOpenDoor: true).WaitAsync(Timeout);

        Assert.True(change.Success, change.Message);
        var gate = new Contact("Gate", NodeId.Parse(IdA), true, true);
        Assert.Equal([gate], change.Contacts);
        var disk = OnDisk();
        Assert.Equal(("Porch", 24000), (disk.Name, disk.Opus.Bitrate));
        Assert.Equal(new ContactConfig { Name = "Gate", Id = IdA, AutoAnswer = true, MayOpenDoor = true }, Assert.Single(disk.Contacts));
        Assert.Equal(gate, await OnLoop(() => book.Find(NodeId.Parse(IdA))));
        Assert.Equal(gate, await OnLoop(() => book.Find("gATE")));
        Assert.Null(await OnLoop(() => book.Find(NodeId.Parse(IdB))));
        Assert.Equal(File.ReadAllBytes(ConfigPath), File.ReadAllBytes(ConfigPath + ConfigStore.LastGoodSuffix));
    }

    [Theory]
    [InlineData("", IdA, "name: ")]
    [InlineData("Gate", "0123", "id: must be 40 hex digits")]
    [InlineData("Gate", IdA + "0", "id: must be 40 hex digits")]
    [InlineData(IdB, IdA, "name: must not look like an ID")]
    public async Task A_bad_field_is_refused_by_name_and_nothing_is_written(string name, string id, string message)
    {
        var book = Book();
        byte[] before = File.ReadAllBytes(ConfigPath);
        var change = await book.AddAsync(name, id, false, false).WaitAsync(Timeout);
        Assert.Equal(ContactChangeFailure.Invalid, change.Failure);
        Assert.StartsWith(message, change.Message);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public async Task A_taken_name_or_id_is_refused_naming_the_field()
    {
        var book = Book();
        Assert.True((await book.AddAsync("Gate", IdA, false, false)).Success);
        var name = await book.AddAsync("GATE", IdB, false, false).WaitAsync(Timeout);
        Assert.Equal("name: 'Gate' is already a contact", name.Message);
        var id = await book.AddAsync("Side", IdA.ToUpperInvariant(), false, false).WaitAsync(Timeout);
        Assert.Equal("id: already the contact 'Gate'", id.Message);
        Assert.Single(OnDisk().Contacts);
        Assert.Single(await OnLoop(() => book.List));
    }

    [Fact]
    public async Task Remove_takes_the_name_without_case_and_refuses_an_unknown_or_speed_dialled_one()
    {
        var book = Book();
        await book.AddAsync("Gate", IdA, false, false).WaitAsync(Timeout);
        await book.AddAsync("Kitchen", IdB, false, false).WaitAsync(Timeout);
        ConfigStore.Update(ConfigPath, c => c with { Calls = c.Calls with { SpeedDial = "kitchen" } });

        Assert.Equal(ContactChangeFailure.NotFound, (await book.RemoveAsync("Garage").WaitAsync(Timeout)).Failure);
        var conflict = await book.RemoveAsync("Kitchen").WaitAsync(Timeout);
        Assert.Equal(ContactChangeFailure.Conflict, conflict.Failure);
        Assert.StartsWith("calls.speed_dial:", conflict.Message);
        Assert.Equal(2, OnDisk().Contacts.Count);

        var removed = await book.RemoveAsync("gate").WaitAsync(Timeout);
        Assert.True(removed.Success);
        Assert.Equal(["Kitchen"], removed.Contacts.Select(c => c.Name));
        Assert.Equal(["Kitchen"], OnDisk().Contacts.Select(c => c.Name));
        Assert.Null(await OnLoop(() => book.Find("Gate")));
    }

    [Fact]
    public async Task A_failed_write_leaves_the_file_and_the_list_and_says_why()
    {
        var book = Book((path, change) => throw new IOException("No space left on device"));
        byte[] before = File.ReadAllBytes(ConfigPath);
        var change = await book.AddAsync("Gate", IdA, false, false).WaitAsync(Timeout);
        Assert.Equal(ContactChangeFailure.Storage, change.Failure);
        Assert.Contains("No space left on device", change.Message);
        Assert.Contains(ConfigPath, change.Message);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
        Assert.Empty(await OnLoop(() => book.List));
    }

    [Fact]
    public async Task The_write_runs_off_the_loop_and_the_list_changes_only_once_it_is_done()
    {
        using var diskMayFinish = new SemaphoreSlim(0);
        bool? writerOnLoop = null;
        var book = Book((path, change) =>
        {
            writerOnLoop = _loop.IsOnLoop;
            Assert.True(diskMayFinish.Wait(Timeout));
            return ConfigStore.Update(path, change);
        });

        var adding = book.AddAsync("Gate", IdA, false, false);
        // While the "disk" holds the write, the loop still answers, and the list is still empty.
        for (int i = 0; i < 3; i++)
        {
            Assert.Empty(await OnLoop(() => book.List));
        }

        Assert.False(adding.IsCompleted);
        diskMayFinish.Release();
        Assert.True((await adding.WaitAsync(Timeout)).Success);
        Assert.False(writerOnLoop);
        Assert.Single(await OnLoop(() => book.List));
    }

    [Fact]
    public async Task Many_changes_at_once_are_written_one_at_a_time_in_the_order_asked()
    {
        int writing = 0;
        int overlaps = 0;
        var book = Book((path, change) =>
        {
            if (Interlocked.Increment(ref writing) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            try
            {
                return ConfigStore.Update(path, change);
            }
            finally
            {
                Interlocked.Decrement(ref writing);
            }
        });

        var changes = Enumerable.Range(0, 40)
            .Select(i => i % 4 == 3 ? book.RemoveAsync($"c{i - 1}") : book.AddAsync($"c{i}", i.ToString("x40"), false, false))
            .ToArray();
        var results = await Task.WhenAll(changes).WaitAsync(Timeout);

        Assert.All(results, r => Assert.True(r.Success, r.Message));
        var expected = Enumerable.Range(0, 40).Where(i => i % 4 is 0 or 1).Select(i => $"c{i}").ToArray();
        Assert.Equal(expected, OnDisk().Contacts.Select(c => c.Name));
        Assert.Equal(expected, (await OnLoop(() => book.List)).Select(c => c.Name));
        Assert.Equal(0, overlaps);
    }
}
