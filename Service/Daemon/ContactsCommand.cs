using PicoTalk.Protocol.Control;
using PicoTalk.Service.Config;
using PicoTalk.Service.Loop;

namespace PicoTalk.Service.Daemon;

/// <summary>
/// The <c>contacts</c> control command (DESIGN.md "Command line contract": <c>contacts [add NAME ID|remove NAME]</c>):
/// list, add, remove, rename or update (issue 6); every op replies with the list after it. A change is answered once it is on
/// disk (<see cref="ContactBook"/>); errors name the field, e.g. <c>id: must be 40 hex digits</c>.
/// </summary>
internal static class ContactsCommand
{
    public static async Task<ControlReply> HandleAsync(EventLoop loop, ContactBook book, ControlRequest request)
    {
        var args = new ContactsArgs();
        if (request.Args is not null && !request.TryReadArgs(ControlJsonContext.Default.ContactsArgs, out args, out string problem))
        {
            return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, problem);
        }

        switch (args!.Op ?? ContactOps.List)
        {
            case ContactOps.List:
                return Reply(request, await loop.InvokeAsync(() => book.List).ConfigureAwait(false));
            case ContactOps.Add:
                if (args.Name is null || args.Id is null)
                {
                    return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument,
                        args.Name is null ? "name: add needs the contact's name" : "id: add needs the contact's ID (40 hex digits)");
                }

                return Reply(request, await book.AddAsync(args.Name, args.Id, args.AutoAnswer ?? false, args.MayOpenDoor ?? false).ConfigureAwait(false));
            case ContactOps.Remove:
                if (args.Name is null)
                {
                    return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, "name: remove needs the contact's name");
                }

                return Reply(request, await book.RemoveAsync(args.Name).ConfigureAwait(false));
            case ContactOps.Rename:
                if (args.Name is null || args.NewName is null)
                {
                    return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument,
                        args.Name is null ? "name: rename needs the contact's name" : "new_name: rename needs the new name");
                }

                return Reply(request, await book.RenameAsync(args.Name, args.NewName).ConfigureAwait(false));
            case ContactOps.Update:
                if (args.Name is null)
                {
                    return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, "name: update needs the contact's name");
                }

                return Reply(request, await book.UpdateAsync(args.Name, args.AutoAnswer, args.MayOpenDoor).ConfigureAwait(false));
            default:
                return ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument,
                    $"op: '{args.Op}' is not {ContactOps.List}, {ContactOps.Add}, {ContactOps.Remove}, {ContactOps.Rename} or {ContactOps.Update}");
        }
    }

    private static ControlReply Reply(ControlRequest request, ContactChange change) => change.Failure switch
    {
        null => Reply(request, change.Contacts),
        ContactChangeFailure.NotFound => ControlReply.Failure(request.Id, ControlErrorCodes.NotFound, change.Message!),
        ContactChangeFailure.Conflict => ControlReply.Failure(request.Id, ControlErrorCodes.InvalidState, change.Message!),
        ContactChangeFailure.Storage => ControlReply.Failure(request.Id, ControlErrorCodes.Internal, change.Message!),
        _ => ControlReply.Failure(request.Id, ControlErrorCodes.InvalidArgument, change.Message!),
    };

    private static ControlReply Reply(ControlRequest request, IReadOnlyList<Contact> contacts) =>
        ControlReply.Success(request.Id, Result(contacts), ControlJsonContext.Default.ContactsResult);

    internal static ContactsResult Result(IReadOnlyList<Contact> contacts) =>
        new(contacts.Select(c => new ContactEntry(c.Name, c.Id.ToString(), c.AutoAnswer, c.MayOpenDoor)).ToArray());
}
