"""English: the bot's fixed texts for participants, and the fallback for any language without its own."""

from __future__ import annotations

from bot.interview.texts import Texts

TEXTS = Texts(
    help=(
        "You are taking part in a research interview. Answer in your own words, as briefly or fully as you "
        "like; you may skip any question.\n"
        "Commands: `pause` (continue later), `resume`, `stop` (end now, keep what you said), "
        "`withdraw` (end and delete everything you said), `mydata` (a copy of what you said), `help`."
    ),
    consent_yes="Yes, I agree",
    consent_no="No, thanks",
    release_yes="Yes, you may",
    release_no="No, keep it private",
    withdraw_yes="Yes, delete my data",
    withdraw_no="No, keep it",
    yes="Yes",
    no="No",
    not_now_label="Not now",
    take_part="Take part",
    ask_consent="Do you agree to take part?",
    scale_ends="(1 = {low}, 7 = {high})",
    not_now_text=(
        "No problem, thank you for letting us know. You will not be reminded about this invitation. "
        "If you would like to take part later, type `start` here at any time."
    ),
    cut_text=(
        "Your message was {total:,} characters long, more than I can take in one message, so I kept the "
        "first {kept:,}. If the rest matters, send it in a few shorter messages."
    ),
    under_way_text="You are already taking part. To continue later type `pause`; to end the interview type `stop`.",
    already_taking_part="You are already taking part; let's continue where we left off.",
    # Files are never opened, downloaded or kept (only how many there were: docs/privacy.md)
    only_text=(
        "Thank you for sending that. I can only read text, so I have not opened or kept your file. "
        "Could you tell me about it in words?"
    ),
    files_not_read=(
        "Thank you for your message. I can only read text, so I have not opened or kept the file you sent."
    ),
    files_skipped="I can only read text, so I have not opened or kept the file you sent; I have read your words.",
    no_text="I didn't catch any text there. Could you write your answer in words?",
    pick_a_button="Please choose one of the options, or type its number.",
    yes_or_no="Please answer yes or no.",
    welcome_back="Welcome back.",
    where_we_left_off="Where we left off: {question}",
    expired_text=(
        "This interview has closed because we did not hear back. Thank you for your time; nothing more "
        "will be asked."
    ),
    declined_text=(
        "No problem, thank you for considering it. We keep only your answer (no), nothing you wrote. Type "
        "`start` if you change your mind, or `withdraw` to delete that answer too."
    ),
    completed_text=(
        "Thank you, that's everything. Your answers are saved. Type `withdraw` at any time to delete them."
    ),
    distress_pause="We can pause here. Reply whenever you feel ready to go on, or type `stop` to end.",
    abuse_end="I'll end our conversation here. Thank you for your time.",
    withdraw_question=(
        "Withdraw from this study and delete everything you told us in it: your messages, your answers to "
        "every question, your survey answers and your consent answers, from this and any earlier "
        "interview of yours in this study? This cannot be undone."
    ),
    withdrawn_text=(
        "Done: everything you told us in this study has been deleted: your messages, your answers to the "
        "questions and the survey, and your consent answers, from every interview of yours in this study. "
        "We keep only an empty record that an interview took place and was withdrawn, with no content. "
        "In Slack or Discord, the bot's messages in this chat are being deleted too (this one stays); your "
        "own messages there only you can delete. Type `mydata` to check. "
        "Thank you for your time."
    ),
    nothing_deleted="Nothing was deleted; let's continue.",
    already_deleted="Your data was already deleted.",
    under_way_start="We are already under way; just reply to continue. Type `help` for options.",
    nothing_to_pause="There is nothing to pause right now.",
    paused_text="Paused. Reply whenever you are ready and we will pick up where we left off.",
    not_paused="We are not paused; just reply to continue.",
    optout_text=(
        "Done: this bot will send you no more invitations or reminders. "
        "Type `optin` if you ever want to hear about studies again."
    ),
    optin_text="Welcome back: you may receive study invitations again. Type `optout` to stop them.",
    nothing_held_text=(
        "You have not taken part in an interview with me, so I hold no answers of yours. "
        "Type `help` to see what I can do."
    ),
    snooze_how="Write how long to snooze, e.g. `snooze 2d`, `snooze 12h`, `snooze 1w`.",
    snooze_at_most="Snooze for at most 60 days, e.g. `snooze 2w`.",
    nothing_to_snooze="There is nothing to snooze right now.",
    snoozed="Snoozed: no reminders for {length}. Reply whenever you are ready.",
    nothing_to_stop="There is nothing running to stop.",
    stopped_text=(
        "Stopped. Thank you for your time. What you shared so far is kept; type `withdraw` if you want it "
        "deleted."
    ),
    not_open="Thank you for your interest! This study is not open yet; please try again later.",
    no_study="There is no study open right now. Thank you for your interest!",
    ended_completed="This interview is complete, thank you. Type `withdraw` to delete your answers.",
    ended_declined="You chose not to take part. Type `start` if you change your mind.",
    ended_stopped="This interview was stopped. Type `start` to begin again, or `withdraw` to delete what you said.",
    ended_withdrawn="You withdrew and your data was deleted. Type `start` to take part again.",
    ended_expired="This interview has closed. Type `start` to begin again.",
    wait="Give me a moment; I'll get back to you with the next question shortly.",
    later=(
        "I'm sorry: a technical problem on our side means I can't continue our interview right now. "
        "Nothing you said is lost, and I'll message you here as soon as we can go on."
    ),
    refused=(
        "I'm sorry, I can't respond to that message. Could you put it another way, or tell me about "
        "something else from your experience? You can also type `stop` at any time."
    ),
    dead_letter=(
        "Sorry, something went wrong on my side and I could not process {what}. It has been set aside for "
        "the study team to look at. You can carry on by replying again, or type `help`."
    ),
    dead_letter_answer="your answer",
    dead_letter_message="your last message",
    invitation="You are invited to take part in a short research interview: *{title}*.",
    wave_invitation=(
        "Some time ago you took part in our study *{title}*. Would you tell us what has changed since? "
        "It takes about ten minutes."
    ),
    reminder_invited="A gentle reminder ({number}): you are invited to *{title}*. {invitation}\n{opt_out}",
    reminder_waiting=(
        "A gentle reminder ({number}): our interview for *{title}* is waiting for you.{where}\n"
        "Reply whenever you are ready; `snooze 2d` postpones, `stop` ends it."
    ),
    opt_out_line="Not interested? Type `optout`; busy? type `snooze 2d`.",
    taken_part_one="1 person has taken part so far.",
    taken_part_many="{count} people have taken part so far.",
    not_now_in_channel=(
        "No problem, nothing was recorded. If you would like to take part later, click the button on this "
        "post again or send me a direct message."
    ),
    not_now_declined=(
        "No problem: you will not be reminded about this invitation. If you would like to take part "
        "later, click the button on this post again or type `start` in your direct messages with me."
    ),
    data_nothing_held="We hold nothing you told us in this study.",
    data_head="Your data in study `{study}` (your code {code}):",
    data_interview="Interview {n} of {total}, started {date}:",
    data_interviewer="Interviewer",
    data_you="You",
    data_screening="Your answer to `{question}`: {value}",
    data_survey="Your survey answer `{item}`: {value}",
    data_consent_participation="Your consent to take part",
    data_consent_release="Your consent to publication",
    data_set_aside="A message of yours we could not process yet: {text}",
    data_timezone="Kept for timing messages in any study: your time zone, {zone} ({where}).",
    data_zone_chosen="you chose it",
    data_zone_profile="from your {platform} profile",
    data_withdraw_hint="Type `withdraw` to delete all of this.",
    offline_acks="Thank you.\nThanks, that's helpful.\nI see, thank you.\nThanks for explaining.\nUnderstood.",
    offline_probe="Could you tell me more about {note}?",
    offline_distress="Thank you for telling me; that sounds hard.",
    you_answered="You answered",
    dms_sent="Thanks! I've sent you a direct message; the interview continues there.",
    dms_pending="Thanks! Look for a direct message from me in a moment.",
    dms_closed="I couldn't send you a direct message, so the interview can't start yet. To allow it: click this server's name at the top left, choose **Privacy Settings**, turn on **Direct Messages**, then press the button again.",
    home_title="Your research interviews",
    home_empty="You have not taken part in an interview yet. Send me a direct message in the *Messages* tab to begin.",
    home_line="{status} · started {started}",
    home_completed=" · completed {completed}",
    home_more="…and {count} earlier interviews.",
    home_data="*Your data.* In the *Messages* tab you can type `pause` to continue later, `stop` to end your latest interview, `mydata` for a copy of what we hold from you, or `withdraw` to end it and delete everything you wrote or chose in that study, from every interview of yours in it. Type `help` for more.",
    status_invited="invited, not started",
    status_consent="waiting for your consent",
    status_in_progress="in progress",
    status_paused="paused",
    status_survey="in progress (short survey)",
    status_completed="completed",
    status_declined="declined",
    status_stopped="stopped",
    status_withdrawn="withdrawn, data deleted",
    status_expired="closed without an answer",
    late_click=(
        "Your click reached me late, because my connection to Discord dropped for a moment, so Discord may "
        "have shown “This interaction failed”. It did reach me and counts; there is no need to click again."
    ),
    stale_button="This button no longer works here. Please type your answer instead, or `help`.",
    reply_with_number="Reply with the number of your answer.",
    reshown="(where we left off)",
    terminal_hint="Type `help`, `pause`, `stop` or `withdraw` at any time.",
    input_closed="(Input closed. Your interview is saved; run the same command to resume.)",
    interrupted="(Interrupted. Your interview is saved; run the same command to resume.)",
    line_cut=(
        "(That line reached the terminal's limit of about 4,000 characters, so its end may have been cut; "
        "send the rest as another message.)"
    ),
)
