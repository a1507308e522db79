using System.Text;
using PicoTalk.Protocol.Identity;

namespace PicoTalk.Service.Config;

/// <summary>
/// One entry of <c>contacts</c> in config.json: an appliance this one knows by name. The ID is what a
/// call is checked against (DESIGN.md "Wire": a call proceeds only if the peer's key hashes to it), so
/// it is the contact's identity; the name is only how the owner refers to it.
/// </summary>
public sealed record ContactConfig
{
    public string Name { get; set; } = "";

    /// <summary>40 hex digits (either case on input; written lower-case).</summary>
    public string Id { get; set; } = "";

    /// <summary>A call from this contact is answered after calls.auto_answer_delay_seconds.</summary>
    public bool AutoAnswer { get; set; }

    /// <summary>This contact may pulse the door relay during a call.</summary>
    public bool MayOpenDoor { get; set; }

    public const int MaxNameBytes = 64;

    /// <summary>Bounds the list so a config or a control client cannot grow it without end (our choice).</summary>
    public const int MaxContacts = 256;

    /// <summary>Names are matched without regard to case: "front door" and "Front Door" are one contact.</summary>
    public static bool SameName(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="name"/> cannot be a contact's name, or null if it can.</summary>
    public static string? NameProblem(string name)
    {
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            return $"must be 1 to {MaxNameBytes} bytes of text";
        }

        if (name.Trim().Length != name.Length || name.Any(char.IsControl))
        {
            return "must not start or end with spaces or hold control characters";
        }

        // dial and calls.speed_dial take a name, an ID or HOST:PORT alike: a name must not read as the others.
        if (NodeId.TryParse(name, out _) || DaemonConfig.IsHostPort(name))
        {
            return "must not look like an ID or HOST:PORT";
        }

        return null;
    }

    /// <summary>Why <paramref name="id"/> cannot be a contact's ID, or null if it can.</summary>
    public static string? IdProblem(string id) =>
        NodeId.TryParse(id, out _) ? null : $"must be {NodeId.HexLength} hex digits";

    /// <summary>Adds every problem of a contacts list: each entry, then duplicates and the bound.</summary>
    internal static void Validate(IReadOnlyList<ContactConfig> contacts, List<ConfigError> errors)
    {
        if (contacts.Count > MaxContacts)
        {
            errors.Add(new("contacts", $"holds {contacts.Count} contacts; at most {MaxContacts}"));
        }

        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var ids = new Dictionary<NodeId, int>();
        for (int i = 0; i < contacts.Count; i++)
        {
            var contact = contacts[i];
            if (contact is null)
            {
                errors.Add(new($"contacts[{i}]", "must be an object with name and id"));
                continue;
            }

            if (NameProblem(contact.Name) is { } nameProblem)
            {
                errors.Add(new($"contacts[{i}].name", nameProblem));
            }
            else if (!names.TryAdd(contact.Name, i))
            {
                errors.Add(new($"contacts[{i}].name", $"'{contact.Name}' is already contacts[{names[contact.Name]}] (names are compared without case)"));
            }

            if (IdProblem(contact.Id) is { } idProblem)
            {
                errors.Add(new($"contacts[{i}].id", idProblem));
            }
            else if (!ids.TryAdd(NodeId.Parse(contact.Id), i))
            {
                errors.Add(new($"contacts[{i}].id", $"is already contacts[{ids[NodeId.Parse(contact.Id)]}]"));
            }
        }
    }
}
