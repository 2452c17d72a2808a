"""French (vous): the bot's fixed texts for participants. Commands in backticks are French command words
(bot/interview/command_words.py); `snooze` is English, which every study understands."""

from __future__ import annotations

from bot.interview.texts import Texts

TEXTS = Texts(
    help=(
        "Vous participez à un entretien de recherche. Répondez avec vos propres mots, aussi brièvement ou "
        "longuement que vous le souhaitez ; vous pouvez passer n'importe quelle question.\n"
        "Commandes : `pause` (continuer plus tard), `reprendre`, `arrêter` (terminer maintenant, vos réponses "
        "sont conservées), `retirer` (terminer et supprimer tout ce que vous avez dit), `mes données` (une "
        "copie de vos réponses), `aide`."
    ),
    consent_yes="Oui, j'accepte",
    consent_no="Non, merci",
    release_yes="Oui, c'est d'accord",
    release_no="Non, gardez-le privé",
    withdraw_yes="Oui, supprimer mes données",
    withdraw_no="Non, les garder",
    yes="Oui",
    no="Non",
    not_now_label="Pas maintenant",
    take_part="Participer",
    ask_consent="Acceptez-vous de participer ?",
    scale_ends="(1 = {low}, 7 = {high})",
    not_now_text=(
        "Pas de problème, merci de nous avoir prévenus. Vous ne recevrez plus de rappel pour cette "
        "invitation. Si vous souhaitez participer plus tard, écrivez `commencer` ici à tout moment."
    ),
    cut_text=(
        "Votre message comptait {total} caractères, plus que je ne peux en recevoir en un seul message ; "
        "j'ai donc gardé les {kept} premiers. Si la suite est importante, envoyez-la en quelques messages "
        "plus courts."
    ),
    under_way_text=(
        "Vous participez déjà. Pour continuer plus tard, écrivez `pause` ; pour terminer l'entretien, "
        "écrivez `arrêter`."
    ),
    already_taking_part="Vous participez déjà ; reprenons là où nous nous étions arrêtés.",
    only_text=(
        "Merci de votre envoi. Je ne peux lire que du texte : je n'ai donc ni ouvert ni conservé votre "
        "fichier. Pourriez-vous me le décrire avec des mots ?"
    ),
    files_not_read=(
        "Merci de votre message. Je ne peux lire que du texte : je n'ai donc ni ouvert ni conservé le "
        "fichier envoyé."
    ),
    files_skipped=(
        "Je ne peux lire que du texte : je n'ai donc ni ouvert ni conservé le fichier envoyé ; j'ai bien lu "
        "votre texte."
    ),
    no_text="Je n'ai reçu aucun texte. Pourriez-vous écrire votre réponse avec des mots ?",
    pick_a_button="Veuillez choisir l'une des options ou écrire son numéro.",
    yes_or_no="Veuillez répondre par oui ou par non.",
    welcome_back="Content de vous revoir.",
    where_we_left_off="Là où nous nous étions arrêtés : {question}",
    expired_text=(
        "Cet entretien est clos, faute de réponse de votre part. Merci pour votre temps ; aucune autre "
        "question ne vous sera posée."
    ),
    declined_text=(
        "Pas de problème, merci d'y avoir réfléchi. Nous gardons seulement votre réponse (non), rien de ce "
        "que vous avez écrit. Écrivez `commencer` si vous changez d'avis, ou `retirer` pour supprimer aussi "
        "cette réponse."
    ),
    completed_text=(
        "Merci, c'est tout. Vos réponses sont enregistrées. Écrivez `retirer` à tout moment pour les "
        "supprimer."
    ),
    distress_pause=(
        "Nous pouvons faire une pause ici. Répondez quand vous voudrez continuer, ou écrivez `arrêter` pour "
        "terminer."
    ),
    abuse_end="Je vais mettre fin à notre conversation ici. Merci pour votre temps.",
    withdraw_question=(
        "Voulez-vous vous retirer de cette étude et supprimer tout ce que vous nous y avez dit : vos "
        "messages, vos réponses à chaque question, vos réponses au questionnaire et au consentement, de cet "
        "entretien et de tout entretien précédent dans cette étude ? Cette action est irréversible."
    ),
    withdrawn_text=(
        "C'est fait : tout ce que vous nous avez dit dans cette étude a été supprimé : vos messages, vos "
        "réponses aux questions et au questionnaire, et vos réponses au consentement, de chacun de vos "
        "entretiens dans cette étude. Nous gardons seulement une trace vide indiquant qu'un entretien a eu "
        "lieu et a été retiré, sans aucun contenu. Dans Slack ou Discord, les messages du bot dans cette "
        "conversation sont aussi en cours de suppression (sauf celui-ci) ; vos propres messages ne peuvent "
        "être supprimés que par vous. Écrivez `mes données` pour vérifier. Merci pour votre temps."
    ),
    nothing_deleted="Rien n'a été supprimé ; continuons.",
    already_deleted="Vos données ont déjà été supprimées.",
    under_way_start="Nous avons déjà commencé ; répondez simplement pour continuer. Écrivez `aide` pour voir les options.",
    nothing_to_pause="Il n'y a rien à mettre en pause pour le moment.",
    paused_text="En pause. Répondez quand vous voudrez, et nous reprendrons là où nous nous étions arrêtés.",
    not_paused="Nous ne sommes pas en pause ; répondez simplement pour continuer.",
    optout_text=(
        "C'est fait : ce bot ne vous enverra plus d'invitations ni de rappels. Écrivez `m'abonner` si vous "
        "souhaitez de nouveau entendre parler d'études."
    ),
    optin_text=(
        "C'est noté : vous pouvez de nouveau recevoir des invitations à des études. Écrivez `me désabonner` "
        "pour les arrêter."
    ),
    nothing_held_text=(
        "Vous n'avez participé à aucun entretien avec moi, je ne détiens donc aucune de vos réponses. "
        "Écrivez `aide` pour voir ce que je peux faire."
    ),
    snooze_how=(
        "Indiquez pour combien de temps suspendre les rappels, par ex. `snooze 2d` (2 jours), `snooze 12h` "
        "(12 heures), `snooze 1w` (1 semaine)."
    ),
    snooze_at_most="60 jours au maximum, par ex. `snooze 2w` (2 semaines).",
    nothing_to_snooze="Il n'y a aucun rappel à suspendre pour le moment.",
    snoozed="C'est noté : aucun rappel pendant {length}. Répondez quand vous voudrez.",
    nothing_to_stop="Rien n'est en cours, il n'y a rien à arrêter.",
    stopped_text=(
        "Arrêté. Merci pour votre temps. Ce que vous avez partagé jusqu'ici est conservé ; écrivez "
        "`retirer` si vous souhaitez le supprimer."
    ),
    not_open="Merci de votre intérêt ! Cette étude n'est pas encore ouverte ; veuillez réessayer plus tard.",
    no_study="Aucune étude n'est ouverte pour le moment. Merci de votre intérêt !",
    ended_completed="Cet entretien est terminé, merci. Écrivez `retirer` pour supprimer vos réponses.",
    ended_declined="Vous avez choisi de ne pas participer. Écrivez `commencer` si vous changez d'avis.",
    ended_stopped=(
        "Cet entretien a été arrêté. Écrivez `commencer` pour recommencer, ou `retirer` pour supprimer ce "
        "que vous avez dit."
    ),
    ended_withdrawn=(
        "Vous avez retiré votre participation et vos données ont été supprimées. Écrivez `commencer` pour "
        "participer à nouveau."
    ),
    ended_expired="Cet entretien est clos. Écrivez `commencer` pour recommencer.",
    wait="Un instant, s'il vous plaît ; je reviens vers vous très vite avec la question suivante.",
    later=(
        "Je suis désolé : un problème technique de notre côté m'empêche de poursuivre notre entretien pour "
        "le moment. Rien de ce que vous avez dit n'est perdu, et je vous écrirai ici dès que nous pourrons "
        "continuer."
    ),
    refused=(
        "Je suis désolé, je ne peux pas répondre à ce message. Pourriez-vous le formuler autrement, ou me "
        "parler d'autre chose tiré de votre expérience ? Vous pouvez aussi écrire `arrêter` à tout moment."
    ),
    dead_letter=(
        "Désolé, un problème est survenu de mon côté et je n'ai pas pu traiter {what}. Cela a été mis de "
        "côté pour que l'équipe de l'étude l'examine. Vous pouvez continuer en répondant de nouveau, ou "
        "écrire `aide`."
    ),
    dead_letter_answer="votre réponse",
    dead_letter_message="votre dernier message",
    invitation="Nous vous invitons à participer à un court entretien de recherche : *{title}*.",
    wave_invitation=(
        "Il y a quelque temps, vous avez participé à notre étude *{title}*. Voudriez-vous nous dire ce qui a "
        "changé depuis ? Cela prend environ dix minutes."
    ),
    reminder_invited="Petit rappel ({number}) : nous vous invitons à participer à *{title}*. {invitation}\n{opt_out}",
    reminder_waiting=(
        "Petit rappel ({number}) : notre entretien pour *{title}* vous attend.{where}\n"
        "Répondez quand vous voudrez ; `snooze 2d` reporte de 2 jours, `arrêter` y met fin."
    ),
    opt_out_line="Cela ne vous intéresse pas ? Écrivez `me désabonner` ; pas le temps ? Écrivez `snooze 2d`.",
    taken_part_one="1 personne a participé jusqu'ici.",
    taken_part_many="{count} personnes ont participé jusqu'ici.",
    not_now_in_channel=(
        "Pas de problème, rien n'a été enregistré. Si vous souhaitez participer plus tard, cliquez de "
        "nouveau sur le bouton de ce message ou envoyez-moi un message direct."
    ),
    not_now_declined=(
        "Pas de problème : vous ne recevrez plus de rappel pour cette invitation. Si vous souhaitez "
        "participer plus tard, cliquez de nouveau sur le bouton de ce message ou écrivez `commencer` dans "
        "vos messages directs avec moi."
    ),
    data_nothing_held="Nous ne détenons rien de ce que vous nous avez dit dans cette étude.",
    data_head="Vos données dans l'étude `{study}` (votre code {code}) :",
    data_interview="Entretien {n} sur {total}, commencé le {date} :",
    data_interviewer="Intervieweur",
    data_you="Vous",
    data_screening="Votre réponse à `{question}` : {value}",
    data_survey="Votre réponse au questionnaire `{item}` : {value}",
    data_consent_participation="Votre consentement à participer",
    data_consent_release="Votre consentement à la publication",
    data_set_aside="Un de vos messages que nous n'avons pas encore pu traiter : {text}",
    data_timezone="Conservé pour programmer les messages dans toute étude : votre fuseau horaire, {zone} ({where}).",
    data_zone_chosen="choisi par vous",
    data_zone_profile="tiré de votre profil {platform}",
    data_withdraw_hint="Écrivez `retirer` pour supprimer tout ceci.",
    offline_acks="Merci.\nMerci, c'est utile.\nJe vois, merci.\nMerci pour ces explications.\nCompris.",
    offline_probe="Pourriez-vous m'en dire plus sur ce point : {note} ?",
    offline_distress="Merci de me l'avoir dit ; cela doit être difficile.",
    you_answered="Votre réponse",
    dms_sent="Merci ! Je vous ai envoyé un message direct ; l'entretien continue là-bas.",
    dms_pending="Merci ! Vous allez recevoir un message direct de ma part dans un instant.",
    dms_closed="Je n'ai pas pu vous envoyer de message direct, l'entretien ne peut donc pas encore commencer. Pour l'autoriser : cliquez sur le nom de ce serveur en haut à gauche, ouvrez les **paramètres de confidentialité**, activez les **messages privés**, puis cliquez de nouveau sur le bouton.",
    home_title="Vos entretiens de recherche",
    home_empty="Vous n'avez encore participé à aucun entretien. Envoyez-moi un message direct dans l'onglet *Messages* pour commencer.",
    home_line="{status} · commencé le {started}",
    home_completed=" · terminé le {completed}",
    home_more="…et {count} entretiens plus anciens.",
    home_data="*Vos données.* Dans l'onglet *Messages*, vous pouvez écrire `pause` pour continuer plus tard, `arrêter` pour terminer votre dernier entretien, `mes données` pour recevoir une copie de ce que nous détenons, ou `retirer` pour y mettre fin et supprimer tout ce que vous avez écrit ou choisi dans cette étude, dans chacun de vos entretiens. Écrivez `aide` pour en savoir plus.",
    status_invited="invité, pas commencé",
    status_consent="en attente de votre consentement",
    status_in_progress="en cours",
    status_paused="en pause",
    status_survey="en cours (court questionnaire)",
    status_completed="terminé",
    status_declined="refusé",
    status_stopped="arrêté",
    status_withdrawn="retiré, données supprimées",
    status_expired="clos sans réponse",
    late_click=(
        "Votre clic m'est parvenu en retard, car ma connexion à Discord a été brièvement coupée ; Discord a "
        "donc peut-être affiché une erreur. Il a bien été reçu et compte : inutile de cliquer à nouveau."
    ),
    stale_button="Ce bouton ne fonctionne plus ici. Veuillez plutôt écrire votre réponse, ou `aide`.",
    reply_with_number="Répondez avec le numéro de votre choix.",
    reshown="(là où nous nous étions arrêtés)",
    terminal_hint="Vous pouvez écrire `aide`, `pause`, `arrêter` ou `retirer` à tout moment.",
    input_closed=(
        "(Saisie terminée. Votre entretien est enregistré ; relancez la même commande pour le reprendre.)"
    ),
    interrupted="(Interrompu. Votre entretien est enregistré ; relancez la même commande pour le reprendre.)",
    line_cut=(
        "(Cette ligne a atteint la limite du terminal, environ 4 000 caractères : sa fin a peut-être été "
        "coupée ; envoyez la suite dans un autre message.)"
    ),
)
