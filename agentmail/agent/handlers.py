"""Handlers behind the agent command table: arguments in, the command's typed answer out (agent/answers.py).

Each handler calls the Mailbox service and returns its answer type; ``model.to_json`` turns it into JSON,
with sender-written text under ``content`` and the body text inside a fence.  The answer types are imported
by the handlers that build them: ``--json list`` creates only its own (agent/shape.py's PageAnswer).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from agentmail.agent.shape import PageAnswer, cut_items, json_size, squeeze, within_budget
from agentmail.agent.table import Context as Context  # handlers' context; tests and front ends import it here
from agentmail.errors import UsageError
from agentmail.model import Page
from agentmail.service import tokens as codec

if TYPE_CHECKING:  # the rest is imported by the handlers that use it: a listing loads none of it
    from agentmail.agent.answers import (
        Changes,
        Deleted,
        DraftSaved,
        Flags,
        FolderAnswer,
        Folders,
        Proposals,
        QuotaAnswer,
        ReadAnswer,
        SearchAnswer,
        Sent,
        Transfer,
        Whoami,
    )
    from agentmail.model import Draft, Event, SendResult


# -- account and folders ---------------------------------------------------------------
def whoami(ctx: Context, commands: tuple[str, ...]) -> Whoami:
    """The account, with the commands this key may use (the table knows them: agent/commands.py asks here)."""
    from agentmail.agent.answers import KeyScope, Whoami
    from agentmail.agent.shape import extend

    s, grant = ctx.config, ctx.grant
    limits = {
        "max_recipients": s.max_recipients,
        "max_message_bytes": s.max_message_bytes,
        "max_attachment_bytes": s.max_attachment_bytes,
        "max_answer_bytes": s.max_answer_bytes,
        "send_per_hour": s.send_per_hour,
        "send_per_day": s.send_per_day,
    }
    scope = KeyScope(grant.scope, grant.agent or None, tuple(grant.allow_to or ()) or None)
    return extend(Whoami, ctx.mailbox.whoami(), commands=commands, scope=scope, limits=limits)


def folders(ctx: Context, args: dict[str, Any]) -> Folders:
    from agentmail.agent.answers import Folders

    return Folders(tuple(ctx.mailbox.folders()))


def folder_create(ctx: Context, args: dict[str, Any]) -> FolderAnswer:
    from agentmail.agent.answers import FolderAnswer

    return FolderAnswer(ctx.mailbox.create_folder(args["name"]))


def folder_rename(ctx: Context, args: dict[str, Any]) -> FolderAnswer:
    from agentmail.agent.answers import FolderAnswer

    return FolderAnswer(ctx.mailbox.rename_folder(args["name"], args["new_name"]))


def folder_delete(ctx: Context, args: dict[str, Any]) -> Deleted:
    """Idempotent: a folder that is already gone answers ok with already_absent."""
    from agentmail.agent.answers import Deleted

    if args["name"] not in {f.name for f in ctx.mailbox.folders()}:
        return Deleted(args["name"], already_absent=True)
    ctx.mailbox.delete_folder(args["name"])
    return Deleted(args["name"])


def quota(ctx: Context, args: dict[str, Any]) -> QuotaAnswer:
    from agentmail.agent.answers import QuotaAnswer

    return QuotaAnswer(ctx.mailbox.quota())


# -- listing and reading ----------------------------------------------------------------
def list_cmd(ctx: Context, args: dict[str, Any]) -> PageAnswer:
    def page_of(limit: int) -> PageAnswer:
        page = ctx.mailbox.list(
            args["folder"],
            limit=limit,
            cursor=args["cursor"],
            before_uid=args["before"],
            unread=args["unread"],
            flagged=args["flagged"],
            sort=args["sort"],
            reverse=args["reverse"],
            threads=args["threads"],
            uidvalidity=args["uidvalidity"],
            preview=args["preview"] or 0,
        )
        return PageAnswer.of(page)

    return within_budget(page_of, args["limit"], answer_budget(ctx, args), ctx.sizer.size)


def answer_budget(ctx: Context, args: dict[str, Any]) -> int:
    """The byte cap on a whole answer: --max-bytes, else the configured default."""
    return args.get("max_bytes") or ctx.config.max_answer_bytes


def read(ctx: Context, args: dict[str, Any]) -> ReadAnswer:
    from agentmail.agent.reading import shape_message  # lazily: a listing reads no message

    mb = ctx.mailbox
    message = mb.read(args["folder"], args["uid"], peek=args["peek"], uidvalidity=args["uidvalidity"])
    max_bytes = args["max_bytes"] or ctx.config.max_answer_bytes

    def load_raw() -> bytes:
        return mb.raw(message.folder, message.uid, uidvalidity=message.uidvalidity)

    return shape_message(message, args, max_bytes, load_raw, ctx.sizer.size)


def thread(ctx: Context, args: dict[str, Any]) -> PageAnswer:
    page = ctx.mailbox.thread(
        args["folder"], args["uid"], uidvalidity=args["uidvalidity"], preview=args["preview"] or 0
    )
    return cut_items(PageAnswer.of(page), answer_budget(ctx, args), ctx.sizer.size)


def search(ctx: Context, args: dict[str, Any]) -> SearchAnswer:
    """Matches per folder, newest first; a page's next_cursor continues it (--folder F --cursor C)."""
    from agentmail.agent.answers import SearchAnswer
    from agentmail.mime import query as mime_query

    query = mime_query.parse(args["query"])
    mb = ctx.mailbox
    if args["cursor"] and args["all_folders"]:
        raise UsageError("a cursor continues one folder's matches: give --folder (the page's folder) instead")
    folders_list = mb.searchable_folders() if args["all_folders"] else [args["folder"] or "INBOX"]
    limit = args["limit"]
    budget = answer_budget(ctx, args)
    preview = args["preview"] or 0

    def pages_of(limit: int) -> list[Page]:
        if args["cursor"]:
            return [mb.list(folders_list[0], limit=limit, cursor=args["cursor"], query=query, preview=preview)]
        return mb.search(query, folders=folders_list, limit=limit, preview=preview)

    while True:
        pages = tuple(pages_of(limit))
        answer = SearchAnswer(args["query"], sum(p.total for p in pages), pages)
        shown = sum(len(p.items) for p in pages)
        if ctx.sizer.size(answer) <= budget or limit == 1 or shown <= 1:
            break
        limit = max(1, limit // 2)
    if limit < args["limit"]:
        answer = dataclasses.replace(answer, capped=True, truncated=True)
    return squeeze(answer, budget, ctx.sizer.size)


# -- change feed --------------------------------------------------------------------------
#: New messages reported in one changes answer; ``more`` says to call again.
MAX_NEW_EVENTS = 100


def changes(ctx: Context, args: dict[str, Any]) -> Changes:
    """Events since a token; with --all-folders the token covers every folder; --max-bytes caps the answer."""
    budget = answer_budget(ctx, args)
    max_new = MAX_NEW_EVENTS
    while True:
        answer = _changes_once(ctx, args, max_new)
        size = json_size(answer)
        new_count = sum(1 for e in answer.events if e.kind == "new")
        if size <= budget or max_new <= 1 or new_count == 0:
            break
        # Fewer new messages per call: the token then resumes right after the last one reported (more: true).
        max_new = max(1, min(max_new - 1, new_count * budget // size - 1))
    if max_new < MAX_NEW_EVENTS:
        answer = dataclasses.replace(answer, truncated=True)
    return answer


def _changes_once(ctx: Context, args: dict[str, Any], max_new: int) -> Changes:
    from agentmail.agent.answers import Changes
    from agentmail.service import feed  # lazily: only these commands need it

    mb = ctx.mailbox
    if not args["all_folders"]:
        events, token, more = feed.changes_page(mb, args["folder"], args["since"], max_new=max_new)
        return Changes(tuple(events), token, more)
    previous = _decode_multi(args["since"]) if args["since"] else {}
    tokens: dict[str, str] = {}
    events_out: list[Event] = []
    any_more = False
    for index, folder in enumerate(mb.searchable_folders()):
        since = previous.get(folder) if args["since"] else None
        events, tokens[folder], more = feed.changes_page(mb, folder, since, max_new=max_new, with_decisions=index == 0)
        events_out += events
        any_more = any_more or more
    return Changes(tuple(events_out), _encode_multi(tokens), any_more)


def _encode_multi(tokens: dict[str, str]) -> str:
    return codec.encode(codec.ALL_FOLDERS, {"v": codec.ALL_FOLDERS.version, "folders": tokens})


def _decode_multi(token: str) -> dict[str, str]:
    return dict(codec.decode(codec.ALL_FOLDERS, token)["folders"])


# -- sending ----------------------------------------------------------------------------
def _draft_arg(ctx: Context, args: dict[str, Any], required: bool) -> Draft:
    from agentmail.agent.draft_input import draft_from_json
    from agentmail.model import Draft

    value = args.get("draft")
    if value is None and ctx.read_stdin is not None:
        value = ctx.read_stdin()
    if value is None:
        if required:
            raise UsageError("this command needs a JSON draft (on standard input, or as the draft argument)")
        return Draft()
    return draft_from_json(value)


def _sent(result: SendResult) -> Sent:
    """A send's answer; a dry run's built message quotes the sender, so it travels fenced like a body."""
    from agentmail.agent.answers import Sent
    from agentmail.agent.shape import extend, fence_text, new_fence

    if not result.raw:
        return extend(Sent, result)
    marker = new_fence()
    return extend(Sent, result, raw=fence_text(result.raw, marker), fence=marker)


def send(ctx: Context, args: dict[str, Any]) -> Sent:
    from agentmail.service import sending  # lazily: only these commands need it

    draft = _draft_arg(ctx, args, required=True)
    return _sent(sending.send(ctx.mailbox, draft, idempotency_key=args["idempotency_key"], dry_run=args["dry_run"]))


def reply(ctx: Context, args: dict[str, Any]) -> Sent:
    return _respond(ctx, args, _draft_arg(ctx, args, required=False), reply_all=args["all"])


def forward(ctx: Context, args: dict[str, Any]) -> Sent:
    extra = _draft_arg(ctx, args, required=False)
    if not extra.recipients:
        raise UsageError("forward needs recipients: give a JSON draft with to (and optionally cc, bcc, text)")
    return _respond(ctx, args, extra, forward=True, as_attachment=args["attach"])


def _respond(
    ctx: Context,
    args: dict[str, Any],
    extra: Draft,
    *,
    forward: bool = False,
    as_attachment: bool = False,
    reply_all: bool = False,
) -> Sent:
    """Reply to or forward the message the arguments name (the service builds, sends and flags it)."""
    from agentmail.service import sending  # lazily: only these commands need it

    result = sending.respond(
        ctx.mailbox,
        args["folder"],
        args["uid"],
        extra,
        forward=forward,
        as_attachment=as_attachment,
        reply_all=reply_all,
        uidvalidity=args["uidvalidity"],
        idempotency_key=args["idempotency_key"],
        dry_run=args["dry_run"],
    )
    return _sent(result)


def draft_save(ctx: Context, args: dict[str, Any]) -> DraftSaved:
    from agentmail.agent.answers import DraftSaved
    from agentmail.service import sending  # lazily: only these commands need it

    draft = _draft_arg(ctx, args, required=True)
    folder, uid, uidvalidity = sending.store_draft(ctx.mailbox, draft, replace_uid=args["replace"])
    return DraftSaved(folder, uid, uidvalidity)


def draft_list(ctx: Context, args: dict[str, Any]) -> PageAnswer:
    mb = ctx.mailbox
    return PageAnswer.of(mb.list(mb.folder_for("drafts"), limit=args["limit"]))


def draft_send(ctx: Context, args: dict[str, Any]) -> Sent:
    from agentmail.service import sending  # lazily: only these commands need it

    result = sending.send_draft(
        ctx.mailbox,
        args["uid"],
        uidvalidity=args["uidvalidity"],
        idempotency_key=args["idempotency_key"],
        dry_run=args["dry_run"],
    )
    return _sent(result)


def proposals(ctx: Context, args: dict[str, Any]) -> Proposals:
    from agentmail.agent.answers import Proposals
    from agentmail.service import proposals as service  # lazily: only this command needs it

    return Proposals(tuple(service.pending(ctx.mailbox)))


def draft_delete(ctx: Context, args: dict[str, Any]) -> Transfer:
    mb = ctx.mailbox
    drafts = mb.folder_for("drafts")
    return mb.delete(drafts, args["uids"], uidvalidity=args["uidvalidity"])


# -- flags and moving ---------------------------------------------------------------------
def _flags(ctx: Context, args: dict[str, Any], add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> Flags:
    from agentmail.agent.answers import Flags

    uids = ctx.mailbox.set_flags(args["folder"], args["uids"], add=add, remove=remove, uidvalidity=args["uidvalidity"])
    return Flags(args["folder"], ctx.mailbox.uidvalidity_of(args["folder"]), tuple(uids))


def flag(ctx: Context, args: dict[str, Any]) -> Flags:
    return _flags(ctx, args, add=("\\Flagged",))


def unflag(ctx: Context, args: dict[str, Any]) -> Flags:
    return _flags(ctx, args, remove=("\\Flagged",))


def seen(ctx: Context, args: dict[str, Any]) -> Flags:
    return _flags(ctx, args, add=("\\Seen",))


def unseen(ctx: Context, args: dict[str, Any]) -> Flags:
    return _flags(ctx, args, remove=("\\Seen",))


def move(ctx: Context, args: dict[str, Any]) -> Transfer:
    return ctx.mailbox.move(args["folder"], args["uids"], args["target"], uidvalidity=args["uidvalidity"])


def copy(ctx: Context, args: dict[str, Any]) -> Transfer:
    return ctx.mailbox.copy(args["folder"], args["uids"], args["target"], uidvalidity=args["uidvalidity"])


def delete(ctx: Context, args: dict[str, Any]) -> Transfer:
    return ctx.mailbox.delete(args["folder"], args["uids"], uidvalidity=args["uidvalidity"])


def restore(ctx: Context, args: dict[str, Any]) -> Transfer:
    return ctx.mailbox.restore(args["uids"], args["target"], uidvalidity=args["uidvalidity"])
