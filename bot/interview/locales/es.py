"""Spanish (usted): the bot's fixed texts for participants. Commands in backticks are Spanish command
words (bot/interview/command_words.py); `snooze` is English, which every study understands."""

from __future__ import annotations

from bot.interview.texts import Texts

TEXTS = Texts(
    help=(
        "Está participando en una entrevista de investigación. Responda con sus propias palabras, tan breve "
        "o extensamente como quiera; puede saltarse cualquier pregunta.\n"
        "Comandos: `pausa` (continuar más tarde), `continuar`, `parar` (terminar ahora, se conserva lo que "
        "dijo), `retirar` (terminar y borrar todo lo que dijo), `mis datos` (una copia de lo que dijo), "
        "`ayuda`."
    ),
    consent_yes="Sí, acepto",
    consent_no="No, gracias",
    release_yes="Sí, pueden",
    release_no="No, manténganlo privado",
    withdraw_yes="Sí, borrar mis datos",
    withdraw_no="No, conservarlos",
    yes="Sí",
    no="No",
    not_now_label="Ahora no",
    take_part="Participar",
    ask_consent="¿Acepta participar?",
    scale_ends="(1 = {low}, 7 = {high})",
    not_now_text=(
        "No hay problema, gracias por avisarnos. No recibirá más recordatorios sobre esta invitación. Si "
        "más adelante quiere participar, escriba `empezar` aquí en cualquier momento."
    ),
    cut_text=(
        "Su mensaje tenía {total} caracteres, más de los que puedo recibir en un solo mensaje, así que "
        "conservé los primeros {kept}. Si el resto es importante, envíelo en varios mensajes más cortos."
    ),
    under_way_text=(
        "Ya está participando. Para continuar más tarde escriba `pausa`; para terminar la entrevista "
        "escriba `parar`."
    ),
    already_taking_part="Ya está participando; sigamos donde lo dejamos.",
    only_text=(
        "Gracias por enviarlo. Solo puedo leer texto, así que no he abierto ni guardado su archivo. "
        "¿Podría contármelo con palabras?"
    ),
    files_not_read=(
        "Gracias por su mensaje. Solo puedo leer texto, así que no he abierto ni guardado el archivo que "
        "envió."
    ),
    files_skipped=(
        "Solo puedo leer texto, así que no he abierto ni guardado el archivo que envió; sí he leído sus "
        "palabras."
    ),
    no_text="No he recibido ningún texto. ¿Podría escribir su respuesta con palabras?",
    pick_a_button="Por favor, elija una de las opciones o escriba su número.",
    yes_or_no="Por favor, responda sí o no.",
    welcome_back="Hola de nuevo.",
    where_we_left_off="Donde lo dejamos: {question}",
    expired_text=(
        "Esta entrevista se ha cerrado porque no recibimos respuesta. Gracias por su tiempo; no se le "
        "preguntará nada más."
    ),
    declined_text=(
        "No hay problema, gracias por considerarlo. Solo guardamos su respuesta (no), nada de lo que "
        "escribió. Escriba `empezar` si cambia de opinión, o `retirar` para borrar también esa respuesta."
    ),
    completed_text=(
        "Gracias, eso es todo. Sus respuestas están guardadas. Escriba `retirar` en cualquier momento para "
        "borrarlas."
    ),
    distress_pause=(
        "Podemos hacer una pausa aquí. Responda cuando quiera seguir, o escriba `parar` para terminar."
    ),
    abuse_end="Voy a terminar nuestra conversación aquí. Gracias por su tiempo.",
    withdraw_question=(
        "¿Desea retirarse de este estudio y borrar todo lo que nos contó en él: sus mensajes, sus respuestas "
        "a cada pregunta, sus respuestas a la encuesta y al consentimiento, de esta y de cualquier "
        "entrevista anterior suya en este estudio? Esto no se puede deshacer."
    ),
    withdrawn_text=(
        "Hecho: todo lo que nos contó en este estudio ha sido borrado: sus mensajes, sus respuestas a las "
        "preguntas y a la encuesta, y sus respuestas al consentimiento, de todas sus entrevistas en este "
        "estudio. Solo guardamos un registro vacío de que hubo una entrevista y fue retirada, sin ningún "
        "contenido. En Slack o Discord también se están borrando los mensajes del bot en este chat (este se "
        "conserva); sus propios mensajes allí solo usted puede borrarlos. Escriba `mis datos` para "
        "comprobarlo. Gracias por su tiempo."
    ),
    nothing_deleted="No se ha borrado nada; sigamos.",
    already_deleted="Sus datos ya fueron borrados.",
    under_way_start="Ya hemos empezado; basta con que responda para continuar. Escriba `ayuda` para ver las opciones.",
    nothing_to_pause="No hay nada que pausar en este momento.",
    paused_text="En pausa. Responda cuando quiera y seguiremos donde lo dejamos.",
    not_paused="No estamos en pausa; basta con que responda para continuar.",
    optout_text=(
        "Hecho: este bot no le enviará más invitaciones ni recordatorios. Escriba `darme de alta` si algún "
        "día quiere volver a saber de estudios."
    ),
    optin_text=(
        "Hecho: puede volver a recibir invitaciones a estudios. Escriba `darme de baja` para "
        "dejar de recibirlas."
    ),
    nothing_held_text=(
        "No ha participado en ninguna entrevista conmigo, así que no tengo respuestas suyas. Escriba "
        "`ayuda` para ver lo que puedo hacer."
    ),
    snooze_how=(
        "Escriba por cuánto tiempo posponer los recordatorios, p. ej. `snooze 2d` (2 días), `snooze 12h` "
        "(12 horas), `snooze 1w` (1 semana)."
    ),
    snooze_at_most="Como máximo 60 días, p. ej. `snooze 2w` (2 semanas).",
    nothing_to_snooze="No hay recordatorios que posponer en este momento.",
    snoozed="Hecho: ningún recordatorio durante {length}. Responda cuando quiera.",
    nothing_to_stop="No hay nada en curso que parar.",
    stopped_text=(
        "Detenido. Gracias por su tiempo. Lo que ha compartido hasta ahora se conserva; escriba `retirar` "
        "si quiere que se borre."
    ),
    not_open="¡Gracias por su interés! Este estudio todavía no está abierto; inténtelo de nuevo más tarde.",
    no_study="No hay ningún estudio abierto en este momento. ¡Gracias por su interés!",
    ended_completed="Esta entrevista ha terminado, gracias. Escriba `retirar` para borrar sus respuestas.",
    ended_declined="Eligió no participar. Escriba `empezar` si cambia de opinión.",
    ended_stopped=(
        "Esta entrevista se detuvo. Escriba `empezar` para comenzar de nuevo, o `retirar` para borrar lo "
        "que dijo."
    ),
    ended_withdrawn="Se retiró y sus datos fueron borrados. Escriba `empezar` para participar de nuevo.",
    ended_expired="Esta entrevista se ha cerrado. Escriba `empezar` para comenzar de nuevo.",
    wait="Un momento, por favor; enseguida vuelvo con la siguiente pregunta.",
    later=(
        "Lo siento: por un problema técnico de nuestra parte no puedo continuar nuestra entrevista ahora "
        "mismo. No se ha perdido nada de lo que dijo, y le escribiré aquí en cuanto podamos seguir."
    ),
    refused=(
        "Lo siento, no puedo responder a ese mensaje. ¿Podría decirlo de otra manera, o contarme otra cosa "
        "de su experiencia? También puede escribir `parar` en cualquier momento."
    ),
    dead_letter=(
        "Lo siento, algo salió mal por mi parte y no pude procesar {what}. Se ha apartado para su revisión "
        "por el equipo del estudio. Puede seguir respondiendo, o escribir `ayuda`."
    ),
    dead_letter_answer="su respuesta",
    dead_letter_message="su último mensaje",
    invitation="Le invitamos a participar en una breve entrevista de investigación: *{title}*.",
    wave_invitation=(
        "Hace un tiempo participó en nuestro estudio *{title}*. ¿Nos contaría qué ha cambiado desde "
        "entonces? Lleva unos diez minutos."
    ),
    reminder_invited="Un pequeño recordatorio ({number}): le invitamos a *{title}*. {invitation}\n{opt_out}",
    reminder_waiting=(
        "Un pequeño recordatorio ({number}): nuestra entrevista para *{title}* le espera.{where}\n"
        "Responda cuando quiera; `snooze 2d` la pospone 2 días, `parar` la termina."
    ),
    opt_out_line="¿No le interesa? Escriba `darme de baja`; ¿no tiene tiempo? Escriba `snooze 2d`.",
    taken_part_one="Hasta ahora ha participado 1 persona.",
    taken_part_many="Hasta ahora han participado {count} personas.",
    not_now_in_channel=(
        "No hay problema, no se ha registrado nada. Si más adelante quiere participar, vuelva a pulsar el "
        "botón de esta publicación o envíeme un mensaje directo."
    ),
    not_now_declined=(
        "No hay problema: no recibirá más recordatorios sobre esta invitación. Si más adelante quiere "
        "participar, vuelva a pulsar el botón de esta publicación o escriba `empezar` en sus mensajes "
        "directos conmigo."
    ),
    data_nothing_held="No guardamos nada de lo que nos contó en este estudio.",
    data_head="Sus datos en el estudio `{study}` (su código {code}):",
    data_interview="Entrevista {n} de {total}, iniciada el {date}:",
    data_interviewer="Entrevistador",
    data_you="Usted",
    data_screening="Su respuesta a `{question}`: {value}",
    data_survey="Su respuesta a la encuesta `{item}`: {value}",
    data_consent_participation="Su consentimiento para participar",
    data_consent_release="Su consentimiento para la publicación",
    data_set_aside="Un mensaje suyo que aún no pudimos procesar: {text}",
    data_timezone="Se guarda para programar mensajes en cualquier estudio: su zona horaria, {zone} ({where}).",
    data_zone_chosen="la eligió usted",
    data_zone_profile="de su perfil de {platform}",
    data_withdraw_hint="Escriba `retirar` para borrar todo esto.",
    offline_acks="Gracias.\nGracias, es muy útil.\nYa veo, gracias.\nGracias por explicarlo.\nEntendido.",
    offline_probe="¿Podría contarme más sobre esto: {note}?",
    offline_distress="Gracias por contármelo; debe de ser difícil.",
    you_answered="Su respuesta",
    dms_sent="¡Gracias! Le he enviado un mensaje directo; la entrevista continúa allí.",
    dms_pending="¡Gracias! En un momento recibirá un mensaje directo mío.",
    dms_closed="No pude enviarle un mensaje directo, así que la entrevista aún no puede empezar. Para permitirlo: haga clic en el nombre de este servidor arriba a la izquierda, abra la **configuración de privacidad**, active los **mensajes directos** y vuelva a pulsar el botón.",
    home_title="Sus entrevistas de investigación",
    home_empty="Todavía no ha participado en ninguna entrevista. Envíeme un mensaje directo en la pestaña *Mensajes* para empezar.",
    home_line="{status} · iniciada el {started}",
    home_completed=" · terminada el {completed}",
    home_more="…y {count} entrevistas anteriores.",
    home_data="*Sus datos.* En la pestaña *Mensajes* puede escribir `pausa` para continuar más tarde, `parar` para terminar su última entrevista, `mis datos` para recibir una copia de lo que guardamos sobre usted, o `retirar` para terminarla y borrar todo lo que escribió o eligió en ese estudio, en todas sus entrevistas. Escriba `ayuda` para más.",
    status_invited="invitación recibida, sin empezar",
    status_consent="esperando su consentimiento",
    status_in_progress="en curso",
    status_paused="en pausa",
    status_survey="en curso (encuesta breve)",
    status_completed="terminada",
    status_declined="rechazada",
    status_stopped="detenida",
    status_withdrawn="retirada, datos borrados",
    status_expired="cerrada sin respuesta",
    late_click=(
        "Su clic me llegó con retraso porque mi conexión con Discord se cortó un momento, así que puede que "
        "Discord le haya mostrado un error. Sí me llegó y cuenta; no hace falta que vuelva a pulsar."
    ),
    stale_button="Este botón ya no funciona aquí. Por favor, escriba su respuesta o `ayuda`.",
    reply_with_number="Responda con el número de su elección.",
    reshown="(donde lo dejamos)",
    terminal_hint="Puede escribir `ayuda`, `pausa`, `parar` o `retirar` en cualquier momento.",
    input_closed="(Entrada cerrada. Su entrevista está guardada; ejecute el mismo comando para continuarla.)",
    interrupted="(Interrumpido. Su entrevista está guardada; ejecute el mismo comando para continuarla.)",
    line_cut=(
        "(Esa línea llegó al límite del terminal, unos 4.000 caracteres, así que puede que se haya cortado "
        "el final; envíe el resto en otro mensaje.)"
    ),
)
