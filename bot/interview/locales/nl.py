"""Dutch (u): the bot's fixed texts for participants. Commands in backticks are Dutch command words
(bot/interview/command_words.py); `snooze` is English, which every study understands."""

from __future__ import annotations

from bot.interview.texts import Texts

TEXTS = Texts(
    help=(
        "U neemt deel aan een onderzoeksinterview. Antwoord in uw eigen woorden, zo kort of uitgebreid als "
        "u wilt; u mag elke vraag overslaan.\n"
        "Opdrachten: `pauze` (later verdergaan), `hervatten`, `stop` (nu beëindigen, wat u zei blijft "
        "bewaard), `intrekken` (beëindigen en alles verwijderen wat u zei), `mijn gegevens` (een kopie van "
        "wat u zei), `hulp`."
    ),
    consent_yes="Ja, ik ga akkoord",
    consent_no="Nee, bedankt",
    release_yes="Ja, dat mag",
    release_no="Nee, houd het privé",
    withdraw_yes="Ja, verwijder mijn gegevens",
    withdraw_no="Nee, bewaar ze",
    yes="Ja",
    no="Nee",
    not_now_label="Nu niet",
    take_part="Meedoen",
    ask_consent="Gaat u akkoord met deelname?",
    scale_ends="(1 = {low}, 7 = {high})",
    not_now_text=(
        "Geen probleem, bedankt dat u het ons laat weten. U krijgt geen herinneringen meer over deze "
        "uitnodiging. Wilt u later toch meedoen, typ dan hier op elk moment `beginnen`."
    ),
    cut_text=(
        "Uw bericht was {total} tekens lang, meer dan ik in één bericht kan opnemen, dus ik heb de eerste "
        "{kept} bewaard. Is de rest belangrijk, stuur die dan in een paar kortere berichten."
    ),
    under_way_text=(
        "U doet al mee. Typ `pauze` om later verder te gaan; typ `stop` om het interview te beëindigen."
    ),
    already_taking_part="U doet al mee; laten we verdergaan waar we gebleven waren.",
    only_text=(
        "Bedankt voor het sturen. Ik kan alleen tekst lezen, dus ik heb uw bestand niet geopend of bewaard. "
        "Kunt u het in woorden vertellen?"
    ),
    files_not_read=(
        "Bedankt voor uw bericht. Ik kan alleen tekst lezen, dus ik heb het bestand dat u stuurde niet "
        "geopend of bewaard."
    ),
    files_skipped=(
        "Ik kan alleen tekst lezen, dus ik heb het bestand dat u stuurde niet geopend of bewaard; uw woorden "
        "heb ik gelezen."
    ),
    no_text="Ik heb geen tekst ontvangen. Kunt u uw antwoord in woorden schrijven?",
    pick_a_button="Kies een van de opties of typ het nummer ervan.",
    yes_or_no="Antwoord alstublieft met ja of nee.",
    welcome_back="Welkom terug.",
    where_we_left_off="Waar we gebleven waren: {question}",
    expired_text=(
        "Dit interview is gesloten omdat we niets meer van u hoorden. Bedankt voor uw tijd; er wordt u "
        "niets meer gevraagd."
    ),
    declined_text=(
        "Geen probleem, bedankt dat u het overwogen hebt. We bewaren alleen uw antwoord (nee), niets van "
        "wat u schreef. Typ `beginnen` als u van gedachten verandert, of `intrekken` om ook dat antwoord te "
        "verwijderen."
    ),
    completed_text=(
        "Bedankt, dat was alles. Uw antwoorden zijn opgeslagen. Typ op elk moment `intrekken` om ze te "
        "verwijderen."
    ),
    distress_pause=(
        "We kunnen hier pauzeren. Antwoord wanneer u zich klaar voelt om verder te gaan, of typ `stop` om "
        "te beëindigen."
    ),
    abuse_end="Ik beëindig ons gesprek hier. Bedankt voor uw tijd.",
    withdraw_question=(
        "Wilt u zich terugtrekken uit dit onderzoek en alles verwijderen wat u ons hierin vertelde: uw "
        "berichten, uw antwoorden op elke vraag, uw antwoorden op de vragenlijst en op de toestemming, uit "
        "dit en elk eerder interview van u in dit onderzoek? Dit kan niet ongedaan worden gemaakt."
    ),
    withdrawn_text=(
        "Klaar: alles wat u ons in dit onderzoek vertelde is verwijderd: uw berichten, uw antwoorden op de "
        "vragen en de vragenlijst, en uw antwoorden op de toestemming, uit al uw interviews in dit "
        "onderzoek. We bewaren alleen een lege vermelding dat er een interview plaatsvond en is "
        "ingetrokken, zonder inhoud. In Slack of Discord worden de berichten van de bot in deze chat ook "
        "verwijderd (dit bericht blijft staan); uw eigen berichten daar kunt alleen u zelf verwijderen. Typ "
        "`mijn gegevens` om het te controleren. Bedankt voor uw tijd."
    ),
    nothing_deleted="Er is niets verwijderd; laten we verdergaan.",
    already_deleted="Uw gegevens waren al verwijderd.",
    under_way_start="We zijn al bezig; antwoord gewoon om verder te gaan. Typ `hulp` voor de mogelijkheden.",
    nothing_to_pause="Er is nu niets om te pauzeren.",
    paused_text="Gepauzeerd. Antwoord wanneer u klaar bent, dan gaan we verder waar we gebleven waren.",
    not_paused="We zijn niet gepauzeerd; antwoord gewoon om verder te gaan.",
    optout_text=(
        "Klaar: deze bot stuurt u geen uitnodigingen of herinneringen meer. Typ `aanmelden` als u ooit weer "
        "over onderzoeken wilt horen."
    ),
    optin_text="Welkom terug: u kunt weer uitnodigingen voor onderzoeken ontvangen. Typ `afmelden` om ze te stoppen.",
    nothing_held_text=(
        "U hebt nog niet aan een interview met mij deelgenomen, dus ik heb geen antwoorden van u. Typ "
        "`hulp` om te zien wat ik kan."
    ),
    snooze_how=(
        "Typ hoe lang de herinneringen moeten wachten, bijv. `snooze 2d` (2 dagen), `snooze 12h` "
        "(12 uur), `snooze 1w` (1 week)."
    ),
    snooze_at_most="Hoogstens 60 dagen, bijv. `snooze 2w` (2 weken).",
    nothing_to_snooze="Er zijn nu geen herinneringen om uit te stellen.",
    snoozed="Klaar: geen herinneringen gedurende {length}. Antwoord wanneer u klaar bent.",
    nothing_to_stop="Er loopt niets dat gestopt kan worden.",
    stopped_text=(
        "Gestopt. Bedankt voor uw tijd. Wat u tot nu toe deelde, blijft bewaard; typ `intrekken` als u het "
        "wilt laten verwijderen."
    ),
    not_open="Bedankt voor uw interesse! Dit onderzoek is nog niet gestart; probeer het later opnieuw.",
    no_study="Er loopt op dit moment geen onderzoek. Bedankt voor uw interesse!",
    ended_completed="Dit interview is afgerond, bedankt. Typ `intrekken` om uw antwoorden te verwijderen.",
    ended_declined="U hebt ervoor gekozen niet mee te doen. Typ `beginnen` als u van gedachten verandert.",
    ended_stopped=(
        "Dit interview is gestopt. Typ `beginnen` om opnieuw te beginnen, of `intrekken` om te verwijderen "
        "wat u zei."
    ),
    ended_withdrawn="U hebt zich teruggetrokken en uw gegevens zijn verwijderd. Typ `beginnen` om weer mee te doen.",
    ended_expired="Dit interview is gesloten. Typ `beginnen` om opnieuw te beginnen.",
    wait="Een ogenblik alstublieft; ik kom zo terug met de volgende vraag.",
    later=(
        "Het spijt me: door een technisch probleem aan onze kant kan ik ons interview nu niet voortzetten. "
        "Niets van wat u zei gaat verloren, en ik stuur u hier een bericht zodra we verder kunnen."
    ),
    refused=(
        "Het spijt me, op dat bericht kan ik niet reageren. Kunt u het anders verwoorden, of mij iets anders "
        "uit uw ervaring vertellen? U kunt ook op elk moment `stop` typen."
    ),
    dead_letter=(
        "Sorry, er ging aan mijn kant iets mis en ik kon {what} niet verwerken. Het is apart gezet zodat "
        "het onderzoeksteam ernaar kan kijken. U kunt verdergaan door opnieuw te antwoorden, of `hulp` "
        "typen."
    ),
    dead_letter_answer="uw antwoord",
    dead_letter_message="uw laatste bericht",
    invitation="U bent uitgenodigd voor een kort onderzoeksinterview: *{title}*.",
    wave_invitation=(
        "Enige tijd geleden nam u deel aan ons onderzoek *{title}*. Wilt u ons vertellen wat er sindsdien is "
        "veranderd? Het duurt ongeveer tien minuten."
    ),
    reminder_invited="Een vriendelijke herinnering ({number}): u bent uitgenodigd voor *{title}*. {invitation}\n{opt_out}",
    reminder_waiting=(
        "Een vriendelijke herinnering ({number}): ons interview voor *{title}* wacht op u.{where}\n"
        "Antwoord wanneer u klaar bent; `snooze 2d` stelt 2 dagen uit, `stop` beëindigt het."
    ),
    opt_out_line="Geen interesse? Typ `afmelden`; geen tijd? Typ `snooze 2d`.",
    taken_part_one="Tot nu toe heeft 1 persoon meegedaan.",
    taken_part_many="Tot nu toe hebben {count} mensen meegedaan.",
    not_now_in_channel=(
        "Geen probleem, er is niets vastgelegd. Wilt u later meedoen, klik dan opnieuw op de knop bij dit "
        "bericht of stuur mij een direct bericht."
    ),
    not_now_declined=(
        "Geen probleem: u krijgt geen herinneringen meer over deze uitnodiging. Wilt u later meedoen, klik "
        "dan opnieuw op de knop bij dit bericht of typ `beginnen` in uw directe berichten met mij."
    ),
    data_nothing_held="We bewaren niets van wat u ons in dit onderzoek vertelde.",
    data_head="Uw gegevens in onderzoek `{study}` (uw code {code}):",
    data_interview="Interview {n} van {total}, begonnen op {date}:",
    data_interviewer="Interviewer",
    data_you="U",
    data_screening="Uw antwoord op `{question}`: {value}",
    data_survey="Uw antwoord in de vragenlijst `{item}`: {value}",
    data_consent_participation="Uw toestemming voor deelname",
    data_consent_release="Uw toestemming voor publicatie",
    data_set_aside="Een bericht van u dat we nog niet konden verwerken: {text}",
    data_timezone="Bewaard om berichten in elk onderzoek te timen: uw tijdzone, {zone} ({where}).",
    data_zone_chosen="door u gekozen",
    data_zone_profile="uit uw {platform}-profiel",
    data_withdraw_hint="Typ `intrekken` om dit allemaal te verwijderen.",
    offline_acks="Dank u.\nBedankt, dat helpt.\nIk begrijp het, dank u.\nBedankt voor de uitleg.\nBegrepen.",
    offline_probe="Kunt u mij daar meer over vertellen: {note}?",
    offline_distress="Dank u dat u mij dit vertelt; dat klinkt zwaar.",
    you_answered="Uw antwoord",
    dms_sent="Bedankt! Ik heb u een direct bericht gestuurd; het interview gaat daar verder.",
    dms_pending="Bedankt! U krijgt zo een direct bericht van mij.",
    dms_closed="Ik kon u geen direct bericht sturen, dus het interview kan nog niet beginnen. Zo staat u het toe: klik linksboven op de naam van deze server, open de **privacyinstellingen**, zet **directe berichten** aan en klik daarna opnieuw op de knop.",
    home_title="Uw onderzoeksinterviews",
    home_empty="U hebt nog niet aan een interview deelgenomen. Stuur mij een direct bericht in het tabblad *Berichten* om te beginnen.",
    home_line="{status} · begonnen op {started}",
    home_completed=" · afgerond op {completed}",
    home_more="…en {count} eerdere interviews.",
    home_data="*Uw gegevens.* In het tabblad *Berichten* kunt u `pauze` typen om later verder te gaan, `stop` om uw laatste interview te beëindigen, `mijn gegevens` voor een kopie van wat we van u bewaren, of `intrekken` om het te beëindigen en alles te verwijderen wat u in dat onderzoek schreef of koos, uit al uw interviews daarin. Typ `hulp` voor meer.",
    status_invited="uitgenodigd, niet begonnen",
    status_consent="wacht op uw toestemming",
    status_in_progress="bezig",
    status_paused="gepauzeerd",
    status_survey="bezig (korte vragenlijst)",
    status_completed="afgerond",
    status_declined="afgeslagen",
    status_stopped="gestopt",
    status_withdrawn="ingetrokken, gegevens verwijderd",
    status_expired="gesloten zonder antwoord",
    late_click=(
        "Uw klik kwam vertraagd bij mij aan, omdat mijn verbinding met Discord even wegviel; Discord heeft "
        "daarom misschien een foutmelding getoond. Hij is wel aangekomen en telt; u hoeft niet opnieuw te "
        "klikken."
    ),
    stale_button="Deze knop werkt hier niet meer. Typ in plaats daarvan uw antwoord, of `hulp`.",
    reply_with_number="Antwoord met het nummer van uw keuze.",
    reshown="(waar we gebleven waren)",
    terminal_hint="U kunt op elk moment `hulp`, `pauze`, `stop` of `intrekken` typen.",
    input_closed=(
        "(Invoer gesloten. Uw interview is bewaard; voer dezelfde opdracht opnieuw uit om verder te gaan.)"
    ),
    interrupted=(
        "(Onderbroken. Uw interview is bewaard; voer dezelfde opdracht opnieuw uit om verder te gaan.)"
    ),
    line_cut=(
        "(Deze regel bereikte de limiet van de terminal van ongeveer 4.000 tekens, dus het einde is "
        "mogelijk afgekapt; stuur de rest als een nieuw bericht.)"
    ),
)
