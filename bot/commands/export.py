"""`/interviewer export`: checked, audited, built in the background, sent to the researcher by DM."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.access import Actor, Refused, UsageError, study_access
from bot.commands.by_dm import answer_by_dm
from bot.engine.engine import Engine
from bot.engine.workspaces import export_scope
from bot.errors import DeliveryError, RateLimited
from bot.messages import FileDelivery
from bot.patience import patiently
from bot.records import audit
from bot.records.export import FORMATS, ExportFilter, default_name, export
from bot.studies.study import Study

log = logging.getLogger(__name__)
_jobs: set[asyncio.Task[None]] = set()  # strong references: a bare task could be garbage-collected


@dataclass(frozen=True)
class ExportRequest:
    study_id: str
    fmt: str = "jsonl"
    since: datetime | None = None
    group: str | None = None
    include_incomplete: bool = False
    public_only: bool = False
    redacted: bool = True


# An unredacted file would be uploaded to the chat platform, which keeps it beyond any erasure
RAW_ONLY_ON_SERVER = (
    "`--no-redact` is only for the server's command line (`interviewer export <study> --no-redact`): "
    "an unredacted file is never sent through the chat"
)


def parse_export_args(args: list[str], *, allow_raw: bool = False) -> ExportRequest:
    """Read `<study> [format] [--since DATE] ...`; a ValueError says which argument is wrong and why.
    `--no-redact` is accepted only with `allow_raw` (the command line)."""
    if not args or args[0].startswith("--"):
        raise ValueError("name the study first")
    study_id, rest = args[0], list(args[1:])
    fmt, since, group = "jsonl", None, None
    flags = {"include_incomplete": False, "public_only": False, "redacted": True}
    while rest:
        word = rest.pop(0)
        if word in ("--since", "--group"):
            if not rest:
                raise ValueError(f"`{word}` needs a value")
            value = rest.pop(0)
            if word == "--group":
                group = value
                continue
            try:
                since = datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"`--since {value}` is not a date; write it as YYYY-MM-DD") from None
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
        elif word == "--include-incomplete":
            flags["include_incomplete"] = True
        elif word == "--public":
            flags["public_only"] = True
        elif word == "--no-redact":
            if not allow_raw:
                raise ValueError(RAW_ONLY_ON_SERVER)
            flags["redacted"] = False
        elif word.lower() in FORMATS:
            fmt = word.lower()
        else:
            raise ValueError(f"`{word}` is neither a format ({', '.join(FORMATS)}) nor an option")
    return ExportRequest(study_id, fmt, since, group, **flags)


def export_filter(study: Study, request: ExportRequest) -> ExportFilter:
    question = next((q for q in study.screening if q.group), None)
    group_question = question.id if question else None
    if request.group is not None and question is None:
        raise ValueError(f"study `{study.id}` has no group question, so `--group` cannot select anyone")
    if request.group is not None and question and question.options and request.group not in question.options:
        raise ValueError(
            f"`--group {request.group}` is not an answer to the group question `{question.id}`; "
            f"give one of: {', '.join(question.options)}"
        )
    return ExportFilter(
        study.id,
        since=request.since,
        group=request.group,
        group_question=group_question,
        include_incomplete=request.include_incomplete,
        public_only=request.public_only,
    )


def audit_detail(request: ExportRequest) -> dict[str, object]:
    return {
        "format": request.fmt,
        "since": request.since.date().isoformat() if request.since else None,
        "group": request.group,
        "include_incomplete": request.include_incomplete,
        "public": request.public_only,
        "redacted": request.redacted,
    }


async def export_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    try:
        request = parse_export_args(args)
    except ValueError as exc:
        raise UsageError(f"{exc}.") from None
    try:
        study = study_access(engine, actor, request.study_id, researchers_only="export transcripts").study
    except Refused as refused:
        if refused.study is not None:  # a known study: the refused attempt is audited
            detail = audit_detail(request)
            await audit.record(
                engine.store,
                refused.study.id,
                actor.access_id,
                "export",
                "refused",
                role=refused.role,
                **detail,
            )
        raise
    try:
        flt = export_filter(study, request)
    except ValueError as exc:
        return str(exc)
    scope = export_scope(engine.settings.slack_distributed, actor.address.platform, actor.address.workspace)
    flt = replace(flt, workspace=scope)
    sender = engine.dispatcher.senders.get(actor.address.platform)
    if sender is None or not isinstance(sender, FileDelivery):
        await audit.record(
            engine.store,
            study.id,
            actor.access_id,
            "export",
            "failed",
            reason="no file delivery",
            **audit_detail(request),
        )
        return "I cannot send files on this platform; run `interviewer export` on the server instead."
    await audit.record(engine.store, study.id, actor.access_id, "export", "started", **audit_detail(request))
    task = asyncio.get_running_loop().create_task(_build_and_send(engine, actor, study, request, flt, sender))
    _jobs.add(task)
    task.add_done_callback(_jobs.discard)
    return (
        f"Export of `{study.id}` ({request.fmt}) started. I'll send the file to your direct messages "
        "when it is ready."
    )


async def _build_and_send(
    engine: Engine,
    actor: Actor,
    study: Study,
    request: ExportRequest,
    flt: ExportFilter,
    sender: FileDelivery,
) -> None:
    detail = audit_detail(request)
    try:
        with tempfile.TemporaryDirectory(prefix="interviewer-export-") as tmp:
            name = default_name(study.id, request.fmt)
            path = Path(tmp) / name
            result = await export(engine.store, flt, request.fmt, path, redacted=request.redacted)
            content = await asyncio.to_thread(path.read_bytes)
            comment = (
                f"{result.interviews} interview(s) of *{study.title}* as {request.fmt}"
                + ("" if request.redacted else " (NOT redacted)")
                + ". Participants appear by their study code only."
            )
            await patiently(  # a rate limit (files.* are Tier 2-4) or a brief outage is waited out
                lambda: sender.upload_file(actor.address, name, content, title=name, comment=comment),
                tries=4,
            )
    except Exception as exc:
        log.exception("export of %s for %s failed", study.id, actor.access_id)
        await audit.record(
            engine.store, study.id, actor.access_id, "export", "failed", error=str(exc)[:300], **detail
        )
        await _tell_failed(engine, actor, study, request, exc)
        return
    await audit.record(
        engine.store,
        study.id,
        actor.access_id,
        "export",
        "ok",
        interviews=result.interviews,
        bytes=len(content),
        **detail,
    )


async def _tell_failed(
    engine: Engine, actor: Actor, study: Study, request: ExportRequest, error: Exception
) -> None:
    """The researcher was told the file would come: say that it will not, under the command's answer
    when the platform still allows one, else by DM through the outbox."""
    if isinstance(error, RateLimited):
        why = "the platform kept asking us to slow down"
    elif isinstance(error, DeliveryError):
        why = f"the platform refused it ({error})"
    else:
        why = "of an error on our side (it is in the bot's log)"
    text = (
        f"The export of `{study.id}` ({request.fmt}) could not be sent because {why}. Please ask for it "
        f"again in a few minutes; `/interviewer audit {study.id}` lists the exports."
    )
    if actor.later is not None:  # where the command was answered, which works with the DMs closed
        try:
            await actor.later(text)
            return
        except Exception as exc:  # too late for it (Slack: 30 minutes, Discord: 15); a DM instead
            log.info("could not answer the export command again (%s); sending a DM", type(exc).__name__)
    try:
        await answer_by_dm(engine, actor.address, f"export-failed:{study.id}", text)
    except Exception as exc:  # the failure is in the log and the audit either way
        log.warning("could not tell %s that the export failed: %s", actor.access_id, exc)


async def drain_exports() -> None:
    """Wait for the exports started so far (tests and shutdown)."""
    while _jobs:
        await asyncio.gather(*list(_jobs), return_exceptions=True)
