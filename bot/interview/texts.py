"""What participants read that the bot itself writes: help, button labels, the answers to commands and
to the ways an interview ends, pauses or cannot start, reminders, notices, the `mydata` copy, and the
few notes an adapter adds itself (a late click, an unreadable button, the terminal's labels).
Study-specific texts live in the study file.

`Texts` has one field per text; `bot.interview.locales` holds one instance per language (English, German,
French, Spanish, Portuguese, Italian, Dutch) and `texts_for(study.language)` picks one. Placeholders in
braces are filled with `str.format`; words in backticks are commands that work in that language."""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.interview.conversation import State
from bot.messages import Choice

NOT_NOW = "not-now:"  # + study id: the value of an invitation's "Not now" button (never shown)


@dataclass(frozen=True)
class Texts:
    """Every fixed text a participant reads, in one language."""

    # ---- help and buttons ----
    help: str
    consent_yes: str
    consent_no: str
    release_yes: str
    release_no: str
    withdraw_yes: str
    withdraw_no: str
    yes: str
    no: str
    not_now_label: str
    take_part: str  # the invitation's button when the study names none
    ask_consent: str
    scale_ends: str  # {low} {high}: under a 1-7 question
    # ---- answers to what the participant did ----
    not_now_text: str
    cut_text: str  # {total} {kept}
    under_way_text: str
    already_taking_part: str
    only_text: str
    files_not_read: str
    files_skipped: str
    no_text: str
    pick_a_button: str
    yes_or_no: str
    welcome_back: str
    where_we_left_off: str  # {question}
    expired_text: str
    declined_text: str
    completed_text: str
    distress_pause: str
    abuse_end: str
    # ---- withdrawal ----
    withdraw_question: str
    withdrawn_text: str
    nothing_deleted: str
    already_deleted: str
    # ---- commands ----
    under_way_start: str
    nothing_to_pause: str
    paused_text: str
    not_paused: str
    optout_text: str
    optin_text: str
    nothing_held_text: str
    snooze_how: str
    snooze_at_most: str
    nothing_to_snooze: str
    snoozed: str  # {length}
    nothing_to_stop: str
    stopped_text: str
    # ---- no interview to start ----
    not_open: str
    no_study: str
    # ---- an interview that has ended, written to again ----
    ended_completed: str
    ended_declined: str
    ended_stopped: str
    ended_withdrawn: str
    ended_expired: str
    you_answered: str  # beside the answer, in place of a question's buttons once answered (Slack, Discord)
    # ---- when Claude or the bot cannot answer (bot/engine) ----
    wait: str
    later: str
    refused: str
    dead_letter: str  # {what}
    dead_letter_answer: str
    dead_letter_message: str
    # ---- invitations, reminders and channel posts (bot/outreach) ----
    invitation: str  # {title}
    wave_invitation: str  # {title}
    reminder_invited: str  # {number} {title} {invitation} {opt_out}
    reminder_waiting: str  # {number} {title} {where}
    opt_out_line: str
    taken_part_one: str
    taken_part_many: str  # {count}
    not_now_in_channel: str
    not_now_declined: str
    # ---- a "Take part" click on a Discord channel post, answered to the clicker ----
    dms_sent: str
    dms_pending: str
    dms_closed: str
    # ---- Slack's App Home tab: the participant's interviews ----
    home_title: str
    home_empty: str
    home_line: str  # {status} {started}
    home_completed: str  # {completed}
    home_more: str  # {count}
    home_data: str
    status_invited: str
    status_consent: str
    status_in_progress: str
    status_paused: str
    status_survey: str
    status_completed: str
    status_declined: str
    status_stopped: str
    status_withdrawn: str
    status_expired: str
    # ---- the `mydata` copy (bot/records/own_data.py) ----
    data_nothing_held: str
    data_head: str  # {study} {code}
    data_interview: str  # {n} {total} {date}
    data_interviewer: str  # also the terminal's label for the bot's turns
    data_you: str  # also the terminal's label for the participant's (its prompt)
    data_screening: str  # {question} {value}
    data_survey: str  # {item} {value}
    data_consent_participation: str
    data_consent_release: str
    data_set_aside: str  # {text}
    data_timezone: str  # {zone} {where}
    data_zone_chosen: str
    data_zone_profile: str  # {platform}
    data_withdraw_hint: str
    # ---- the offline interviewer (bot/interviewer/scripted.py), which stands in for Claude ----
    offline_acks: str  # one acknowledgement a line, taken in turn
    offline_probe: str  # {note}: a probe note that is not itself a question
    offline_distress: str
    # ---- what an adapter adds on its own (adapters/) ----
    late_click: str  # Discord: a click that reached the bot after the platform's 3 seconds, said by DM
    stale_button: str  # Discord: the private answer to a click on a button the bot cannot read
    reply_with_number: str  # Slack: under numbered options, when a choice is too long for a button
    reshown: str  # the terminal: over a message an earlier session showed, shown again on resume
    terminal_hint: str  # the terminal: under the start of `interviewer chat`
    input_closed: str  # the terminal: input ended before the interview did
    interrupted: str  # the terminal: Ctrl-C
    line_cut: str  # the terminal: a line that reached the terminal's limit of about 4,000 characters

    @property
    def consent_choices(self) -> tuple[Choice, Choice]:
        return Choice(self.consent_yes, "yes"), Choice(self.consent_no, "no")

    @property
    def release_choices(self) -> tuple[Choice, Choice]:
        return Choice(self.release_yes, "yes"), Choice(self.release_no, "no")

    @property
    def withdraw_choices(self) -> tuple[Choice, Choice]:
        return Choice(self.withdraw_yes, "yes"), Choice(self.withdraw_no, "no")

    @property
    def yes_no_choices(self) -> tuple[Choice, Choice]:
        return Choice(self.yes, "yes"), Choice(self.no, "no")

    def ended_note(self, state: State) -> str:
        """What someone whose interview has ended in `state` reads when they write again."""
        return {
            State.COMPLETED: self.ended_completed,
            State.DECLINED: self.ended_declined,
            State.STOPPED: self.ended_stopped,
            State.WITHDRAWN: self.ended_withdrawn,
            State.EXPIRED: self.ended_expired,
        }[state]

    def status(self, state: State) -> str:
        """Where an interview stands, in words a participant understands."""
        return {
            State.INVITED: self.status_invited,
            State.AWAITING_CONSENT: self.status_consent,
            State.SCREENING: self.status_in_progress,
            State.INTERVIEWING: self.status_in_progress,
            State.PAUSED: self.status_paused,
            State.SURVEYING: self.status_survey,
            State.COMPLETED: self.status_completed,
            State.DECLINED: self.status_declined,
            State.STOPPED: self.status_stopped,
            State.WITHDRAWN: self.status_withdrawn,
            State.EXPIRED: self.status_expired,
        }[state]

    def endings(self) -> tuple[str, ...]:
        """The texts after which an interview asks nothing more (the terminal ends its chat on them)."""
        return (
            self.completed_text,
            self.stopped_text,
            self.withdrawn_text,
            self.declined_text,
            self.not_now_text,
            self.ended_declined,
            self.abuse_end,
            self.expired_text,
            self.ended_expired,
        )


FIELDS = tuple(f.name for f in fields(Texts))
