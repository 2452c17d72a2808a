"""What participants read from the interview itself: help, button labels, and the answers to commands
and to the ways an interview ends, pauses or cannot start. Study-specific texts live in the study file."""

from __future__ import annotations

from bot.interview.conversation import State
from bot.messages import Choice

HELP = (
    "You are taking part in a research interview. Answer in your own words, as briefly or fully as you like; "
    "you may skip any question.\n"
    "Commands: `pause` (continue later), `resume`, `stop` (end now, keep what you said), "
    "`withdraw` (end and delete everything you said), `mydata` (a copy of what you said), `help`."
)
CONSENT_CHOICES = (Choice("Yes, I agree", "yes"), Choice("No, thanks", "no"))
RELEASE_CHOICES = (Choice("Yes, you may", "yes"), Choice("No, keep it private", "no"))
WITHDRAW_CHOICES = (Choice("Yes, delete my data", "yes"), Choice("No, keep it", "no"))
YES_NO_CHOICES = (Choice("Yes", "yes"), Choice("No", "no"))
NOT_NOW = "not-now:"  # + study id: the value of an invitation's "Not now" button
NOT_NOW_LABEL = "Not now"
ASK_CONSENT = "Do you agree to take part?"

# ---- answers to what the participant did -----------------------------------------------------------

NOT_NOW_TEXT = (
    "No problem, thank you for letting us know. You will not be reminded about this invitation. "
    "If you would like to take part later, type `start` here at any time."
)
CUT_TEXT = (
    "Your message was {total:,} characters long, more than I can take in one message, so I kept the "
    "first {kept:,}. If the rest matters, send it in a few shorter messages."
)
UNDER_WAY_TEXT = (
    "You are already taking part. To continue later type `pause`; to end the interview type `stop`."
)
ALREADY_TAKING_PART = "You are already taking part; let's continue where we left off."
# Files are never opened, downloaded or kept (only how many there were: docs/privacy.md)
ONLY_TEXT = (
    "Thank you for sending that. I can only read text, so I have not opened or kept your file. "
    "Could you tell me about it in words?"
)
FILES_NOT_READ = (
    "Thank you for your message. I can only read text, so I have not opened or kept the file you sent."
)
FILES_SKIPPED = (
    "I can only read text, so I have not opened or kept the file you sent; I have read your words."
)
NO_TEXT = "I didn't catch any text there. Could you write your answer in words?"
PICK_A_BUTTON = "Please pick one of the buttons{typed}."
YES_OR_NO = "Please answer yes or no."
WELCOME_BACK = "Welcome back."
WHERE_WE_LEFT_OFF = "Where we left off: {question}"
EXPIRED_TEXT = (
    "This interview has closed because we did not hear back. Thank you for your time; nothing more will "
    "be asked."
)
DECLINED_TEXT = (
    "No problem, thank you for considering it. We keep only your answer (no), nothing you wrote. Type "
    "`start` if you change your mind, or `withdraw` to delete that answer too."
)
COMPLETED_TEXT = (
    "Thank you, that's everything. Your answers are saved. Type `withdraw` at any time to delete them."
)
DISTRESS_PAUSE = "We can pause here. Reply whenever you feel ready to go on, or type `stop` to end."
ABUSE_END = "I'll end our conversation here. Thank you for your time."

# ---- withdrawal ----------------------------------------------------------------------------------

WITHDRAW_QUESTION = (
    "Withdraw from this study and delete everything you told us in it: your messages, your answers to "
    "every question, your survey answers and your consent answers, from this and any earlier interview "
    "of yours in this study? This cannot be undone."
)
WITHDRAWN_TEXT = (
    "Done: everything you told us in this study has been deleted: your messages, your answers to the "
    "questions and the survey, and your consent answers, from every interview of yours in this study. "
    "We keep only an empty record that an interview took place and was withdrawn, with no content. "
    "In Slack or Discord, the bot's messages in this chat are being deleted too (this one stays); your "
    "own messages there only you can delete. Type `mydata` to check. "
    "Thank you for your time."
)
NOTHING_DELETED = "Nothing was deleted; let's continue."
ALREADY_DELETED = "Your data was already deleted."

# ---- commands ------------------------------------------------------------------------------------

UNDER_WAY_START = "We are already under way; just reply to continue. Type `help` for options."
NOTHING_TO_PAUSE = "There is nothing to pause right now."
PAUSED_TEXT = "Paused. Reply whenever you are ready and we will pick up where we left off."
NOT_PAUSED = "We are not paused; just reply to continue."
OPTOUT_TEXT = (
    "Done: this bot will send you no more invitations or reminders. "
    "Type `optin` if you ever want to hear about studies again."
)
OPTIN_TEXT = "Welcome back: you may receive study invitations again. Type `optout` to stop them."
NOTHING_HELD_TEXT = (
    "You have not taken part in an interview with me, so I hold no answers of yours. "
    "Type `help` to see what I can do."
)
SNOOZE_HOW = "Write how long to snooze, e.g. `snooze 2d`, `snooze 12h`, `snooze 1w`."
SNOOZE_AT_MOST = "Snooze for at most 60 days, e.g. `snooze 2w`."
NOTHING_TO_SNOOZE = "There is nothing to snooze right now."
SNOOZED = "Snoozed: no reminders for {length}. Reply whenever you are ready."
NOTHING_TO_STOP = "There is nothing running to stop."
STOPPED_TEXT = (
    "Stopped. Thank you for your time. What you shared so far is kept; type `withdraw` if you want it "
    "deleted."
)

# ---- no interview to start -----------------------------------------------------------------------

NOT_OPEN = "Thank you for your interest! This study is not open yet; please try again later."
NO_STUDY = "There is no study open right now. Thank you for your interest!"

# ---- an interview that has ended, written to again -----------------------------------------------

ENDED_NOTES = {
    State.COMPLETED: "This interview is complete, thank you. Type `withdraw` to delete your answers.",
    State.DECLINED: "You chose not to take part. Type `start` if you change your mind.",
    State.STOPPED: "This interview was stopped. Type `start` to begin again, or `withdraw` to delete what you "
    "said.",
    State.WITHDRAWN: "You withdrew and your data was deleted. Type `start` to take part again.",
    State.EXPIRED: "This interview has closed. Type `start` to begin again.",
}
