"""Italian (Lei): the bot's fixed texts for participants. Commands in backticks are Italian command words
(bot/interview/command_words.py); `snooze` is English, which every study understands."""

from __future__ import annotations

from bot.interview.texts import Texts

TEXTS = Texts(
    help=(
        "Sta partecipando a un'intervista di ricerca. Risponda con parole sue, in modo breve o dettagliato "
        "come preferisce; può saltare qualsiasi domanda.\n"
        "Comandi: `pausa` (continuare più tardi), `riprendi`, `stop` (terminare ora, ciò che ha detto viene "
        "conservato), `ritira` (terminare e cancellare tutto ciò che ha detto), `i miei dati` (una copia di "
        "ciò che ha detto), `aiuto`."
    ),
    consent_yes="Sì, accetto",
    consent_no="No, grazie",
    release_yes="Sì, potete",
    release_no="No, tenetelo riservato",
    withdraw_yes="Sì, cancella i miei dati",
    withdraw_no="No, conservali",
    yes="Sì",
    no="No",
    not_now_label="Non ora",
    take_part="Partecipa",
    ask_consent="Accetta di partecipare?",
    scale_ends="(1 = {low}, 7 = {high})",
    not_now_text=(
        "Nessun problema, grazie per avercelo fatto sapere. Non riceverà altri promemoria per questo invito. "
        "Se in seguito desidera partecipare, scriva `inizia` qui in qualsiasi momento."
    ),
    cut_text=(
        "Il suo messaggio era lungo {total} caratteri, più di quanti ne possa ricevere in un solo messaggio, "
        "quindi ho tenuto i primi {kept}. Se il resto è importante, lo invii in alcuni messaggi più brevi."
    ),
    under_way_text=(
        "Sta già partecipando. Per continuare più tardi scriva `pausa`; per terminare l'intervista scriva "
        "`stop`."
    ),
    already_taking_part="Sta già partecipando; riprendiamo da dove eravamo rimasti.",
    only_text=(
        "Grazie per l'invio. Posso leggere solo testo, quindi non ho aperto né conservato il suo file. "
        "Potrebbe descrivermelo a parole?"
    ),
    files_not_read=(
        "Grazie per il suo messaggio. Posso leggere solo testo, quindi non ho aperto né conservato il file "
        "che ha inviato."
    ),
    files_skipped=(
        "Posso leggere solo testo, quindi non ho aperto né conservato il file che ha inviato; ho letto le "
        "sue parole."
    ),
    no_text="Non ho ricevuto alcun testo. Potrebbe scrivere la sua risposta a parole?",
    pick_a_button="Per favore, scelga una delle opzioni o ne scriva il numero.",
    yes_or_no="Per favore, risponda sì o no.",
    welcome_back="Eccoci di nuovo.",
    where_we_left_off="Dove eravamo rimasti: {question}",
    expired_text=(
        "Questa intervista è stata chiusa perché non abbiamo ricevuto risposta. Grazie per il suo tempo; "
        "non le verrà chiesto altro."
    ),
    declined_text=(
        "Nessun problema, grazie per averci pensato. Conserviamo solo la sua risposta (no), niente di ciò "
        "che ha scritto. Scriva `inizia` se cambia idea, oppure `ritira` per cancellare anche questa "
        "risposta."
    ),
    completed_text=(
        "Grazie, è tutto. Le sue risposte sono salvate. Scriva `ritira` in qualsiasi momento per cancellarle."
    ),
    distress_pause=(
        "Possiamo fare una pausa qui. Risponda quando se la sente di continuare, oppure scriva `stop` per "
        "terminare."
    ),
    abuse_end="Concludo qui la nostra conversazione. Grazie per il suo tempo.",
    withdraw_question=(
        "Vuole ritirarsi da questo studio e cancellare tutto ciò che ci ha detto: i suoi messaggi, le sue "
        "risposte a ogni domanda, le sue risposte al questionario e al consenso, di questa e di ogni sua "
        "intervista precedente in questo studio? L'operazione non può essere annullata."
    ),
    withdrawn_text=(
        "Fatto: tutto ciò che ci ha detto in questo studio è stato cancellato: i suoi messaggi, le sue "
        "risposte alle domande e al questionario, e le sue risposte al consenso, da ogni sua intervista in "
        "questo studio. Conserviamo solo una traccia vuota del fatto che un'intervista ha avuto luogo ed è "
        "stata ritirata, senza alcun contenuto. In Slack o Discord anche i messaggi del bot in questa chat "
        "vengono cancellati (questo resta); i suoi messaggi lì può cancellarli solo lei. Scriva `i miei "
        "dati` per verificarlo. Grazie per il suo tempo."
    ),
    nothing_deleted="Non è stato cancellato nulla; continuiamo.",
    already_deleted="I suoi dati sono già stati cancellati.",
    under_way_start="Abbiamo già iniziato; basta rispondere per continuare. Scriva `aiuto` per vedere le opzioni.",
    nothing_to_pause="Al momento non c'è nulla da mettere in pausa.",
    paused_text="In pausa. Risponda quando vuole e riprenderemo da dove eravamo rimasti.",
    not_paused="Non siamo in pausa; basta rispondere per continuare.",
    optout_text=(
        "Fatto: questo bot non le invierà più inviti né promemoria. Scriva `iscriviti` se in futuro "
        "desidera di nuovo ricevere notizie sugli studi."
    ),
    optin_text=("Fatto: può di nuovo ricevere inviti agli studi. Scriva `disiscriviti` per interromperli."),
    nothing_held_text=(
        "Non ha partecipato a nessuna intervista con me, quindi non ho alcuna sua risposta. Scriva `aiuto` "
        "per vedere cosa posso fare."
    ),
    snooze_how=(
        "Scriva per quanto tempo rimandare i promemoria, ad es. `snooze 2d` (2 giorni), `snooze 12h` "
        "(12 ore), `snooze 1w` (1 settimana)."
    ),
    snooze_at_most="Al massimo 60 giorni, ad es. `snooze 2w` (2 settimane).",
    nothing_to_snooze="Al momento non ci sono promemoria da rimandare.",
    snoozed="Fatto: nessun promemoria per {length}. Risponda quando vuole.",
    nothing_to_stop="Non c'è nulla in corso da interrompere.",
    stopped_text=(
        "Interrotto. Grazie per il suo tempo. Ciò che ha condiviso finora viene conservato; scriva `ritira` "
        "se desidera cancellarlo."
    ),
    not_open="Grazie per l'interesse! Questo studio non è ancora aperto; riprovi più tardi.",
    no_study="Al momento non c'è nessuno studio aperto. Grazie per l'interesse!",
    ended_completed="Questa intervista è conclusa, grazie. Scriva `ritira` per cancellare le sue risposte.",
    ended_declined="Ha scelto di non partecipare. Scriva `inizia` se cambia idea.",
    ended_stopped=(
        "Questa intervista è stata interrotta. Scriva `inizia` per ricominciare, oppure `ritira` per "
        "cancellare ciò che ha detto."
    ),
    ended_withdrawn=(
        "Ha ritirato la sua partecipazione e i suoi dati sono stati cancellati. Scriva `inizia` per "
        "partecipare di nuovo."
    ),
    ended_expired="Questa intervista è stata chiusa. Scriva `inizia` per ricominciare.",
    wait="Un momento, per favore; torno subito con la prossima domanda.",
    later=(
        "Mi dispiace: un problema tecnico da parte nostra mi impedisce di continuare l'intervista in questo "
        "momento. Nulla di ciò che ha detto è andato perso, e le scriverò qui non appena potremo riprendere."
    ),
    refused=(
        "Mi dispiace, non posso rispondere a questo messaggio. Potrebbe dirlo in un altro modo, o "
        "raccontarmi qualcos'altro della sua esperienza? Può anche scrivere `stop` in qualsiasi momento."
    ),
    dead_letter=(
        "Mi scusi, qualcosa è andato storto da parte mia e non sono riuscito a elaborare {what}, che ho "
        "messo da parte per il gruppo di ricerca. Può continuare rispondendo di nuovo, oppure scrivere "
        "`aiuto`."
    ),
    dead_letter_answer="la sua risposta",
    dead_letter_message="il suo ultimo messaggio",
    invitation="La invitiamo a partecipare a una breve intervista di ricerca: *{title}*.",
    wave_invitation=(
        "Tempo fa ha partecipato al nostro studio *{title}*. Ci racconterebbe cosa è cambiato da allora? "
        "Ci vogliono circa dieci minuti."
    ),
    reminder_invited="Un gentile promemoria ({number}): la invitiamo a *{title}*. {invitation}\n{opt_out}",
    reminder_waiting=(
        "Un gentile promemoria ({number}): la nostra intervista per *{title}* la aspetta.{where}\n"
        "Risponda quando vuole; `snooze 2d` rimanda di 2 giorni, `stop` la termina."
    ),
    opt_out_line="Non le interessa? Scriva `disiscriviti`; non ha tempo? Scriva `snooze 2d`.",
    taken_part_one="Finora ha partecipato 1 persona.",
    taken_part_many="Finora hanno partecipato {count} persone.",
    not_now_in_channel=(
        "Nessun problema, non è stato registrato nulla. Se in seguito desidera partecipare, clicchi di "
        "nuovo sul pulsante di questo post o mi invii un messaggio diretto."
    ),
    not_now_declined=(
        "Nessun problema: non riceverà altri promemoria per questo invito. Se in seguito desidera "
        "partecipare, clicchi di nuovo sul pulsante di questo post o scriva `inizia` nei suoi messaggi "
        "diretti con me."
    ),
    data_nothing_held="Non conserviamo nulla di ciò che ci ha detto in questo studio.",
    data_head="I suoi dati nello studio `{study}` (il suo codice {code}):",
    data_interview="Intervista {n} di {total}, iniziata il {date}:",
    data_interviewer="Intervistatore",
    data_you="Lei",
    data_screening="La sua risposta a `{question}`: {value}",
    data_survey="La sua risposta al questionario `{item}`: {value}",
    data_consent_participation="Il suo consenso a partecipare",
    data_consent_release="Il suo consenso alla pubblicazione",
    data_set_aside="Un suo messaggio che non siamo ancora riusciti a elaborare: {text}",
    data_timezone="Conservato per programmare i messaggi in ogni studio: il suo fuso orario, {zone} ({where}).",
    data_zone_chosen="scelto da lei",
    data_zone_profile="dal suo profilo {platform}",
    data_withdraw_hint="Scriva `ritira` per cancellare tutto questo.",
    offline_acks="Grazie.\nGrazie, è utile.\nCapisco, grazie.\nGrazie per la spiegazione.\nCapito.",
    offline_probe="Potrebbe dirmi di più su questo: {note}?",
    offline_distress="Grazie per avermelo detto; dev'essere difficile.",
    you_answered="La sua risposta",
    dms_sent="Grazie! Le ho inviato un messaggio diretto; l'intervista continua lì.",
    dms_pending="Grazie! Tra un momento riceverà un mio messaggio diretto.",
    dms_closed="Non sono riuscito a inviarle un messaggio diretto, quindi l'intervista non può ancora iniziare. Per consentirlo: clicchi sul nome di questo server in alto a sinistra, apra le **impostazioni della privacy**, attivi i **messaggi diretti** e poi prema di nuovo il pulsante.",
    home_title="Le sue interviste di ricerca",
    home_empty="Non ha ancora partecipato a nessuna intervista. Mi invii un messaggio diretto nella scheda *Messaggi* per iniziare.",
    home_line="{status} · iniziata il {started}",
    home_completed=" · conclusa il {completed}",
    home_more="…e altre {count} interviste precedenti.",
    home_data="*I suoi dati.* Nella scheda *Messaggi* può scrivere `pausa` per continuare più tardi, `stop` per terminare la sua ultima intervista, `i miei dati` per ricevere una copia di ciò che conserviamo, oppure `ritira` per terminarla e cancellare tutto ciò che ha scritto o scelto in quello studio, in ogni sua intervista. Scriva `aiuto` per saperne di più.",
    status_invited="invito ricevuto, da iniziare",
    status_consent="in attesa del suo consenso",
    status_in_progress="in corso",
    status_paused="in pausa",
    status_survey="in corso (breve questionario)",
    status_completed="conclusa",
    status_declined="rifiutata",
    status_stopped="interrotta",
    status_withdrawn="ritirata, dati cancellati",
    status_expired="chiusa senza risposta",
    late_click=(
        "Il suo clic mi è arrivato in ritardo perché la mia connessione a Discord si è interrotta per un "
        "momento, quindi Discord potrebbe averle mostrato un errore. È comunque arrivato e conta; non serve "
        "cliccare di nuovo."
    ),
    stale_button="Questo pulsante qui non funziona più. Per favore, scriva la sua risposta oppure `aiuto`.",
    reply_with_number="Risponda con il numero della sua scelta.",
    reshown="(dove eravamo rimasti)",
    terminal_hint="Può scrivere `aiuto`, `pausa`, `stop` o `ritira` in qualsiasi momento.",
    input_closed=(
        "(Inserimento terminato. La sua intervista è salvata; esegua di nuovo lo stesso comando per "
        "riprenderla.)"
    ),
    interrupted=(
        "(Interrotto. La sua intervista è salvata; esegua di nuovo lo stesso comando per riprenderla.)"
    ),
    line_cut=(
        "(Questa riga ha raggiunto il limite del terminale, circa 4.000 caratteri, quindi la fine potrebbe "
        "essere stata tagliata; invii il resto in un altro messaggio.)"
    ),
)
