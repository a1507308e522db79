using PicoTalk.Protocol.Identity;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Config;

/// <summary>A contact as the daemon uses it: the ID parsed, the name as the owner wrote it.</summary>
public sealed record Contact(string Name, NodeId Id, bool AutoAnswer, bool MayOpenDoor);

/// <summary>Why a change of the contacts was not made.</summary>
public enum ContactChangeFailure
{
    /// <summary>A name or ID that cannot be a contact's, or one that is taken.</summary>
    Invalid,

    /// <summary>No contact has that name.</summary>
    NotFound,

    /// <summary>The change would leave the stored config invalid (calls.speed_dial names the contact),
    /// or the stored config is not valid now.</summary>
    Conflict,

    /// <summary>The disk refused the write (full, read-only, I/O error).</summary>
    Storage,
}

/// <summary>The outcome of <see cref="ContactBook.AddAsync"/> or <see cref="ContactBook.RemoveAsync"/>:
/// the list after the change, or why there was none (<see cref="Message"/> starts with the field).</summary>
public sealed record ContactChange(IReadOnlyList<Contact> Contacts, ContactChangeFailure? Failure = null, string? Message = null)
{
    public bool Success => Failure is null;
}

/// <summary>
/// The appliance's contacts (config.json "contacts"), owned by the event loop: <see cref="Find(NodeId)"/>,
/// <see cref="Find(string)"/> and <see cref="List"/> run on it. A change is validated against the whole
/// stored config and written durably (<see cref="ConfigStore.Update"/>: atomic, fsync'd) before the
/// list changes, so what an incoming call sees is always what a restart would load. The write is an
/// fsync (tens of ms on an SD card) while the loop carries audio frames, so it runs off the loop:
/// one write at a time, in the order asked, on a chain of thread-pool tasks; only the new list is
/// handed back to the loop. A failed write leaves the file and the list as they were.
/// </summary>
public sealed class ContactBook
{
    /// <summary>Reads the stored config, applies a change and saves it (<see cref="ConfigStore.Update"/>;
    /// a test passes a disk that fails).</summary>
    public delegate (DaemonConfig Saved, string? Warning) ConfigUpdater(string path, Func<DaemonConfig, DaemonConfig> change);

    private readonly EventLoop _loop;
    private readonly string _configPath;
    private readonly Action<string> _warn;
    private readonly ConfigUpdater _update;
    private readonly Lock _chainLock = new();
    private Task _tail = Task.CompletedTask;
    private IReadOnlyList<Contact> _contacts;

    public ContactBook(EventLoop loop, string configPath, IReadOnlyList<ContactConfig> stored, Action<string> warn, ConfigUpdater? update = null)
    {
        _loop = loop;
        _configPath = configPath;
        _warn = warn;
        _update = update ?? ConfigStore.Update;
        _contacts = ToContacts(stored);
    }

    /// <summary>Every contact, in the order they were added. On the loop.</summary>
    public IReadOnlyList<Contact> List
    {
        get
        {
            _loop.AssertOnLoop();
            return _contacts;
        }
    }

    /// <summary>The contact with this ID, or null. On the loop (an incoming call asks it).</summary>
    public Contact? Find(NodeId id)
    {
        _loop.AssertOnLoop();
        foreach (var contact in _contacts)
        {
            if (contact.Id == id)
            {
                return contact;
            }
        }

        return null;
    }

    /// <summary>The contact with this name (without regard to case), or null. On the loop.</summary>
    public Contact? Find(string name)
    {
        _loop.AssertOnLoop();
        return _contacts.FirstOrDefault(c => ContactConfig.SameName(c.Name, name));
    }

    /// <summary>Adds a contact once it is on disk. Any thread; completes after the loop has the new list.</summary>
    public Task<ContactChange> AddAsync(string name, string id, bool autoAnswer, bool mayOpenDoor)
    {
        // Checked here too, so a bad request names its own field rather than contacts[N].
        if (ContactConfig.NameProblem(name) is { } nameProblem)
        {
            return Refused(ContactChangeFailure.Invalid, $"name: {nameProblem}");
        }

        if (ContactConfig.IdProblem(id) is { } idProblem)
        {
            return Refused(ContactChangeFailure.Invalid, $"id: {idProblem}");
        }

        var nodeId = NodeId.Parse(id);
        var added = new ContactConfig { Name = name, Id = nodeId.ToString(), AutoAnswer = autoAnswer, MayOpenDoor = mayOpenDoor };
        return Enqueue(contacts =>
        {
            if (contacts.FirstOrDefault(c => ContactConfig.SameName(c.Name, name)) is { } sameName)
            {
                throw new Refusal(ContactChangeFailure.Invalid, $"name: '{sameName.Name}' is already a contact");
            }

            if (contacts.FirstOrDefault(c => NodeId.TryParse(c.Id, out var other) && other == nodeId) is { } sameId)
            {
                throw new Refusal(ContactChangeFailure.Invalid, $"id: already the contact '{sameId.Name}'");
            }

            if (contacts.Count >= ContactConfig.MaxContacts)
            {
                throw new Refusal(ContactChangeFailure.Invalid, $"contacts: the list is full ({ContactConfig.MaxContacts}); remove one first");
            }

            return [.. contacts, added];
        });
    }

    /// <summary>Removes the contact with this name (without regard to case) once the file no longer
    /// holds it. Any thread; completes after the loop has the new list.</summary>
    public Task<ContactChange> RemoveAsync(string name) => Enqueue(contacts =>
    {
        int index = IndexOf(contacts, name);
        var rest = new List<ContactConfig>(contacts);
        rest.RemoveAt(index);
        return rest;
    });

    /// <summary>Renames a contact (the new name checked as add checks it). Any thread.</summary>
    public Task<ContactChange> RenameAsync(string name, string newName)
    {
        if (ContactConfig.NameProblem(newName) is { } nameProblem)
        {
            return Refused(ContactChangeFailure.Invalid, $"new_name: {nameProblem}");
        }

        return Enqueue(contacts =>
        {
            int index = IndexOf(contacts, name);
            int taken = contacts.FindIndex(c => ContactConfig.SameName(c.Name, newName));
            if (taken >= 0 && taken != index)
            {
                throw new Refusal(ContactChangeFailure.Invalid, $"new_name: '{contacts[taken].Name}' is already a contact");
            }

            var changed = new List<ContactConfig>(contacts);
            changed[index] = contacts[index] with { Name = newName };
            return changed;
        });
    }

    /// <summary>Changes a contact's flags; a null flag keeps its value. Any thread.</summary>
    public Task<ContactChange> UpdateAsync(string name, bool? autoAnswer, bool? mayOpenDoor) => Enqueue(contacts =>
    {
        int index = IndexOf(contacts, name);
        var changed = new List<ContactConfig>(contacts);
        changed[index] = contacts[index] with
        {
            AutoAnswer = autoAnswer ?? contacts[index].AutoAnswer,
            MayOpenDoor = mayOpenDoor ?? contacts[index].MayOpenDoor,
        };
        return changed;
    });

    /// <summary>
    /// Runs a write of the whole config (the <c>config</c> command's patch) in the same queue as the
    /// contact changes, so neither overwrites the other with a file read before it; once
    /// <paramref name="save"/> has written, the loop adopts the saved contacts and
    /// <paramref name="applyOnLoop"/> runs there. An exception of <paramref name="save"/> (a refused
    /// config, a full disk) faults the task and changes nothing. Any thread.
    /// </summary>
    public Task<DaemonConfig> SaveConfigAsync(Func<(DaemonConfig Saved, string? Warning)> save, Action<DaemonConfig> applyOnLoop)
    {
        lock (_chainLock)
        {
            var next = _tail.ContinueWith(_ => SaveConfigInOrderAsync(save, applyOnLoop), CancellationToken.None,
                TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default).Unwrap();
            _tail = next;
            return next;
        }
    }

    private async Task<DaemonConfig> SaveConfigInOrderAsync(Func<(DaemonConfig Saved, string? Warning)> save, Action<DaemonConfig> applyOnLoop)
    {
        var (saved, warning) = save();
        if (warning is not null)
        {
            _warn(warning);
        }

        var contacts = ToContacts(saved.Contacts);
        await _loop.InvokeAsync(() =>
        {
            _contacts = contacts;
            applyOnLoop(saved);
            return true;
        }).ConfigureAwait(false);
        return saved;
    }

    private static int IndexOf(List<ContactConfig> contacts, string name)
    {
        int index = contacts.FindIndex(c => ContactConfig.SameName(c.Name, name));
        return index >= 0 ? index : throw new Refusal(ContactChangeFailure.NotFound, $"name: no contact is named '{name}'");
    }

    private static Task<ContactChange> Refused(ContactChangeFailure failure, string message) =>
        Task.FromResult(new ContactChange([], failure, message));

    /// <summary>Queues a change behind the writes already asked for; each sees the file its
    /// predecessor left, and a failed one does not stop the next.</summary>
    private Task<ContactChange> Enqueue(Func<List<ContactConfig>, List<ContactConfig>> change)
    {
        lock (_chainLock)
        {
            var next = _tail.ContinueWith(_ => WriteAsync(change), CancellationToken.None,
                TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default).Unwrap();
            _tail = next;
            return next;
        }
    }

    private async Task<ContactChange> WriteAsync(Func<List<ContactConfig>, List<ContactConfig>> change)
    {
        DaemonConfig saved;
        try
        {
            string? warning;
            (saved, warning) = _update(_configPath, stored => stored with { Contacts = change(stored.Contacts) });
            if (warning is not null)
            {
                _warn(warning);
            }
        }
        catch (Refusal r)
        {
            return new ContactChange([], r.Failure, r.Message);
        }
        catch (ConfigException e)
        {
            return new ContactChange([], ContactChangeFailure.Conflict, string.Join("; ", e.Errors));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ContactChange([], ContactChangeFailure.Storage, $"{_configPath} could not be written: {e.Message}");
        }

        var contacts = ToContacts(saved.Contacts);
        await _loop.InvokeAsync(() =>
        {
            _contacts = contacts;
            return true;
        }).ConfigureAwait(false);
        return new ContactChange(contacts);
    }

    private static IReadOnlyList<Contact> ToContacts(IReadOnlyList<ContactConfig> stored) =>
        stored.Select(c => new Contact(c.Name, NodeId.Parse(c.Id), c.AutoAnswer, c.MayOpenDoor)).ToArray();

    private sealed class Refusal(ContactChangeFailure failure, string message) : Exception(message)
    {
        public ContactChangeFailure Failure { get; } = failure;
    }
}
