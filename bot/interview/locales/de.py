"""German (Sie): the bot's fixed texts for participants. Commands in backticks are German command words
(bot/interview/command_words.py); `snooze` is English, which every study understands."""

from __future__ import annotations

from bot.interview.texts import Texts

TEXTS = Texts(
    help=(
        "Sie nehmen an einem Forschungsinterview teil. Antworten Sie in Ihren eigenen Worten, so kurz oder "
        "ausführlich Sie möchten; Sie können jede Frage überspringen.\n"
        "Befehle: `pause` (später weitermachen), `weiter`, `stopp` (jetzt beenden, Ihre Antworten bleiben "
        "erhalten), `zurückziehen` (beenden und alles löschen, was Sie gesagt haben), `meine Daten` (eine "
        "Kopie Ihrer Antworten), `hilfe`."
    ),
    consent_yes="Ja, ich stimme zu",
    consent_no="Nein, danke",
    release_yes="Ja, gerne",
    release_no="Nein, bitte vertraulich",
    withdraw_yes="Ja, meine Daten löschen",
    withdraw_no="Nein, behalten",
    yes="Ja",
    no="Nein",
    not_now_label="Jetzt nicht",
    take_part="Teilnehmen",
    ask_consent="Sind Sie mit der Teilnahme einverstanden?",
    scale_ends="(1 = {low}, 7 = {high})",
    not_now_text=(
        "Kein Problem, danke für Ihre Rückmeldung. Sie werden an diese Einladung nicht mehr erinnert. "
        "Wenn Sie später doch teilnehmen möchten, schreiben Sie hier jederzeit `starten`."
    ),
    cut_text=(
        "Ihre Nachricht war {total} Zeichen lang, mehr als ich in einer Nachricht aufnehmen kann; ich habe "
        "die ersten {kept} behalten. Wenn der Rest wichtig ist, schicken Sie ihn bitte in mehreren kürzeren "
        "Nachrichten."
    ),
    under_way_text=(
        "Sie nehmen bereits teil. Um später weiterzumachen, schreiben Sie `pause`; um das Interview zu "
        "beenden, schreiben Sie `stopp`."
    ),
    already_taking_part="Sie nehmen bereits teil; machen wir dort weiter, wo wir aufgehört haben.",
    only_text=(
        "Danke für Ihre Nachricht. Ich kann nur Text lesen, daher habe ich Ihre Datei weder geöffnet noch "
        "gespeichert. Könnten Sie mir in Worten davon erzählen?"
    ),
    files_not_read=(
        "Danke für Ihre Nachricht. Ich kann nur Text lesen, daher habe ich die gesendete Datei weder "
        "geöffnet noch gespeichert."
    ),
    files_skipped=(
        "Ich kann nur Text lesen, daher habe ich die gesendete Datei weder geöffnet noch gespeichert; Ihre "
        "Worte habe ich gelesen."
    ),
    no_text="Ich habe keinen Text erhalten. Könnten Sie Ihre Antwort in Worten schreiben?",
    pick_a_button="Bitte wählen Sie eine der Optionen oder schreiben Sie deren Nummer.",
    yes_or_no="Bitte antworten Sie mit Ja oder Nein.",
    welcome_back="Willkommen zurück.",
    where_we_left_off="Hier hatten wir aufgehört: {question}",
    expired_text=(
        "Dieses Interview wurde beendet, weil wir keine Antwort von Ihnen erhalten haben. Danke für Ihre "
        "Zeit; wir werden Sie nichts weiter fragen."
    ),
    declined_text=(
        "Kein Problem, danke, dass Sie es in Betracht gezogen haben. Wir speichern nur Ihre Antwort (nein), "
        "nichts, was Sie geschrieben haben. Schreiben Sie `starten`, falls Sie es sich anders überlegen, "
        "oder `zurückziehen`, um auch diese Antwort zu löschen."
    ),
    completed_text=(
        "Vielen Dank, das war alles. Ihre Antworten sind gespeichert. Schreiben Sie jederzeit "
        "`zurückziehen`, um sie zu löschen."
    ),
    distress_pause=(
        "Wir können hier eine Pause machen. Antworten Sie, wann immer Sie bereit sind weiterzumachen, oder "
        "schreiben Sie `stopp`, um zu beenden."
    ),
    abuse_end="Ich beende unser Gespräch an dieser Stelle. Danke für Ihre Zeit.",
    withdraw_question=(
        "Möchten Sie Ihre Teilnahme an dieser Studie zurückziehen und alles löschen, was Sie uns darin "
        "mitgeteilt haben: Ihre Nachrichten, Ihre Antworten auf alle Fragen, Ihre Antworten in der Umfrage "
        "und zur Einwilligung, aus diesem und jedem früheren Interview mit Ihnen in dieser Studie? Das kann "
        "nicht rückgängig gemacht werden."
    ),
    withdrawn_text=(
        "Erledigt: Alles, was Sie uns in dieser Studie mitgeteilt haben, wurde gelöscht: Ihre Nachrichten, "
        "Ihre Antworten auf die Fragen und die Umfrage sowie Ihre Antworten zur Einwilligung, aus jedem "
        "Interview mit Ihnen in dieser Studie. Wir behalten nur einen leeren Eintrag, dass ein Interview "
        "stattgefunden hat und zurückgezogen wurde, ohne Inhalt. In Slack oder Discord werden auch die "
        "Nachrichten des Bots in diesem Chat gelöscht (außer dieser); Ihre eigenen Nachrichten dort "
        "können nur Sie löschen. Schreiben Sie `meine Daten`, um es zu prüfen. Danke für Ihre Zeit."
    ),
    nothing_deleted="Es wurde nichts gelöscht; machen wir weiter.",
    already_deleted="Ihre Daten wurden bereits gelöscht.",
    under_way_start=(
        "Wir sind bereits mittendrin; antworten Sie einfach, um weiterzumachen. Mit `hilfe` sehen Sie Ihre "
        "Möglichkeiten."
    ),
    nothing_to_pause="Im Moment gibt es nichts zu pausieren.",
    paused_text=(
        "Pausiert. Antworten Sie, wann immer Sie bereit sind, und wir machen dort weiter, wo wir aufgehört "
        "haben."
    ),
    not_paused="Das Interview ist nicht pausiert; antworten Sie einfach, um weiterzumachen.",
    optout_text=(
        "Erledigt: Dieser Bot schickt Ihnen keine Einladungen oder Erinnerungen mehr. Schreiben Sie "
        "`anmelden`, falls Sie wieder von Studien hören möchten."
    ),
    optin_text=(
        "Willkommen zurück: Sie können wieder Einladungen zu Studien erhalten. Schreiben Sie `abmelden`, "
        "um sie abzubestellen."
    ),
    nothing_held_text=(
        "Sie haben noch an keinem Interview mit mir teilgenommen, daher habe ich keine Antworten von Ihnen. "
        "Schreiben Sie `hilfe`, um zu sehen, was ich kann."
    ),
    snooze_how=(
        "Schreiben Sie, wie lange die Erinnerungen ruhen sollen, z. B. `snooze 2d` (2 Tage), `snooze 12h` "
        "(12 Stunden), `snooze 1w` (1 Woche)."
    ),
    snooze_at_most="Erinnerungen lassen sich höchstens 60 Tage aussetzen, z. B. `snooze 2w` (2 Wochen).",
    nothing_to_snooze="Im Moment gibt es keine Erinnerungen zu verschieben.",
    snoozed="Erledigt: keine Erinnerungen für {length}. Antworten Sie, wann immer Sie bereit sind.",
    nothing_to_stop="Es läuft nichts, das beendet werden könnte.",
    stopped_text=(
        "Beendet. Danke für Ihre Zeit. Was Sie bisher gesagt haben, bleibt erhalten; schreiben Sie "
        "`zurückziehen`, wenn Sie es löschen möchten."
    ),
    not_open=(
        "Danke für Ihr Interesse! Diese Studie hat noch nicht begonnen; bitte versuchen Sie es später noch "
        "einmal."
    ),
    no_study="Im Moment läuft keine Studie. Danke für Ihr Interesse!",
    ended_completed=(
        "Dieses Interview ist abgeschlossen, vielen Dank. Schreiben Sie `zurückziehen`, um Ihre Antworten "
        "zu löschen."
    ),
    ended_declined=(
        "Sie haben sich gegen eine Teilnahme entschieden. Schreiben Sie `starten`, falls Sie es sich anders "
        "überlegen."
    ),
    ended_stopped=(
        "Dieses Interview wurde beendet. Schreiben Sie `starten`, um neu zu beginnen, oder `zurückziehen`, "
        "um zu löschen, was Sie gesagt haben."
    ),
    ended_withdrawn=(
        "Sie haben Ihre Teilnahme zurückgezogen und Ihre Daten wurden gelöscht. Schreiben Sie `starten`, um "
        "wieder teilzunehmen."
    ),
    ended_expired="Dieses Interview ist abgelaufen. Schreiben Sie `starten`, um neu zu beginnen.",
    wait="Einen Moment bitte; ich melde mich gleich mit der nächsten Frage.",
    later=(
        "Es tut mir leid: Wegen eines technischen Problems auf unserer Seite kann ich unser Interview "
        "gerade nicht fortsetzen. Nichts von dem, was Sie gesagt haben, geht verloren, und ich schreibe "
        "Ihnen hier, sobald es weitergehen kann."
    ),
    refused=(
        "Es tut mir leid, auf diese Nachricht kann ich nicht antworten. Könnten Sie es anders formulieren "
        "oder mir von etwas anderem aus Ihrer Erfahrung erzählen? Sie können auch jederzeit `stopp` "
        "schreiben."
    ),
    dead_letter=(
        "Entschuldigung, auf meiner Seite ist etwas schiefgegangen, und ich konnte {what} nicht "
        "verarbeiten. Sie wurde für das Studienteam zur Prüfung beiseitegelegt. Sie können weitermachen, "
        "indem Sie noch einmal antworten, oder `hilfe` schreiben."
    ),
    dead_letter_answer="Ihre Antwort",
    dead_letter_message="Ihre letzte Nachricht",
    invitation="Sie sind zu einem kurzen Forschungsinterview eingeladen: *{title}*.",
    wave_invitation=(
        "Vor einiger Zeit haben Sie an unserer Studie *{title}* teilgenommen. Würden Sie uns erzählen, was "
        "sich seitdem verändert hat? Es dauert etwa zehn Minuten."
    ),
    reminder_invited=(
        "Eine freundliche Erinnerung ({number}): Sie sind zu *{title}* eingeladen. {invitation}\n{opt_out}"
    ),
    reminder_waiting=(
        "Eine freundliche Erinnerung ({number}): Unser Interview für *{title}* wartet auf Sie.{where}\n"
        "Antworten Sie, wann immer Sie bereit sind; `snooze 2d` verschiebt die Erinnerung um 2 Tage, "
        "`stopp` beendet das Interview."
    ),
    opt_out_line="Kein Interesse? Schreiben Sie `abmelden`; gerade keine Zeit? Schreiben Sie `snooze 2d`.",
    taken_part_one="Bisher hat 1 Person teilgenommen.",
    taken_part_many="Bisher haben {count} Personen teilgenommen.",
    not_now_in_channel=(
        "Kein Problem, es wurde nichts gespeichert. Wenn Sie später teilnehmen möchten, klicken Sie erneut "
        "auf die Schaltfläche in diesem Beitrag oder schicken Sie mir eine Direktnachricht."
    ),
    not_now_declined=(
        "Kein Problem: Sie werden an diese Einladung nicht mehr erinnert. Wenn Sie später teilnehmen "
        "möchten, klicken Sie erneut auf die Schaltfläche in diesem Beitrag oder schreiben Sie `starten` "
        "in Ihren Direktnachrichten mit mir."
    ),
    data_nothing_held="Wir haben nichts gespeichert, was Sie uns in dieser Studie mitgeteilt haben.",
    data_head="Ihre Daten in der Studie `{study}` (Ihr Code {code}):",
    data_interview="Interview {n} von {total}, begonnen am {date}:",
    data_interviewer="Interviewer",
    data_you="Sie",
    data_screening="Ihre Antwort auf `{question}`: {value}",
    data_survey="Ihre Umfrageantwort `{item}`: {value}",
    data_consent_participation="Ihre Einwilligung zur Teilnahme",
    data_consent_release="Ihre Einwilligung zur Veröffentlichung",
    data_set_aside="Eine Nachricht von Ihnen, die wir noch nicht verarbeiten konnten: {text}",
    data_timezone="Gespeichert, um Nachrichten in jeder Studie zeitlich abzustimmen: Ihre Zeitzone, {zone} ({where}).",
    data_zone_chosen="von Ihnen gewählt",
    data_zone_profile="aus Ihrem {platform}-Profil",
    data_withdraw_hint="Schreiben Sie `zurückziehen`, um all dies zu löschen.",
    offline_acks="Danke.\nDanke, das hilft mir weiter.\nVerstehe, danke.\nDanke für die Erklärung.\nVerstanden.",
    offline_probe="Könnten Sie mir mehr darüber erzählen: {note}?",
    offline_distress="Danke, dass Sie mir das erzählen; das klingt nicht leicht.",
    you_answered="Ihre Antwort",
    dms_sent="Danke! Ich habe Ihnen eine Direktnachricht geschickt; das Interview geht dort weiter.",
    dms_pending="Danke! Sie erhalten gleich eine Direktnachricht von mir.",
    dms_closed="Ich konnte Ihnen keine Direktnachricht schicken, daher kann das Interview noch nicht beginnen. So erlauben Sie es: Klicken Sie oben links auf den Namen dieses Servers, öffnen Sie die **Privatsphäre-Einstellungen**, erlauben Sie **Direktnachrichten** und klicken Sie dann noch einmal auf die Schaltfläche.",
    home_title="Ihre Forschungsinterviews",
    home_empty="Sie haben noch an keinem Interview teilgenommen. Schicken Sie mir im Tab *Nachrichten* eine Direktnachricht, um zu beginnen.",
    home_line="{status} · begonnen am {started}",
    home_completed=" · abgeschlossen am {completed}",
    home_more="…und {count} frühere Interviews.",
    home_data="*Ihre Daten.* Im Tab *Nachrichten* können Sie `pause` schreiben, um später weiterzumachen, `stopp`, um Ihr neuestes Interview zu beenden, `meine Daten` für eine Kopie dessen, was wir von Ihnen gespeichert haben, oder `zurückziehen`, um es zu beenden und alles zu löschen, was Sie in dieser Studie geschrieben oder gewählt haben, aus jedem Ihrer Interviews darin. Schreiben Sie `hilfe` für mehr.",
    status_invited="eingeladen, nicht begonnen",
    status_consent="wartet auf Ihre Einwilligung",
    status_in_progress="läuft",
    status_paused="pausiert",
    status_survey="läuft (kurze Umfrage)",
    status_completed="abgeschlossen",
    status_declined="abgelehnt",
    status_stopped="beendet",
    status_withdrawn="zurückgezogen, Daten gelöscht",
    status_expired="abgelaufen (keine Antwort)",
    late_click=(
        "Ihr Klick hat mich verspätet erreicht, weil meine Verbindung zu Discord kurz unterbrochen war; "
        "Discord hat deshalb vielleicht einen Fehler angezeigt. Er ist trotzdem angekommen und zählt; Sie "
        "müssen nicht noch einmal klicken."
    ),
    stale_button=(
        "Diese Schaltfläche funktioniert hier nicht mehr. Bitte schreiben Sie stattdessen Ihre Antwort "
        "oder `hilfe`."
    ),
    reply_with_number="Antworten Sie mit der Nummer Ihrer Wahl.",
    reshown="(hier hatten wir aufgehört)",
    terminal_hint="Sie können jederzeit `hilfe`, `pause`, `stopp` oder `zurückziehen` schreiben.",
    input_closed=(
        "(Eingabe beendet. Ihr Interview ist gespeichert; führen Sie denselben Befehl erneut aus, um "
        "fortzufahren.)"
    ),
    interrupted=(
        "(Unterbrochen. Ihr Interview ist gespeichert; führen Sie denselben Befehl erneut aus, um "
        "fortzufahren.)"
    ),
    line_cut=(
        "(Diese Zeile hat die Grenze des Terminals von etwa 4.000 Zeichen erreicht, ihr Ende wurde also "
        "vielleicht abgeschnitten; schicken Sie den Rest als weitere Nachricht.)"
    ),
)
