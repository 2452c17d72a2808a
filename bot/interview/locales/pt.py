"""Portuguese (você): the bot's fixed texts for participants. Commands in backticks are Portuguese command
words (bot/interview/command_words.py); `snooze` is English, which every study understands."""

from __future__ import annotations

from bot.interview.texts import Texts

TEXTS = Texts(
    help=(
        "Você está participando de uma entrevista de pesquisa. Responda com suas próprias palavras, de forma "
        "tão breve ou completa quanto quiser; você pode pular qualquer pergunta.\n"
        "Comandos: `pausa` (continuar depois), `continuar`, `parar` (terminar agora, o que você disse é "
        "mantido), `retirar` (terminar e apagar tudo o que você disse), `meus dados` (uma cópia do que "
        "você disse), `ajuda`."
    ),
    consent_yes="Sim, concordo",
    consent_no="Não, obrigado",
    release_yes="Sim, podem",
    release_no="Não, manter privado",
    withdraw_yes="Sim, apagar meus dados",
    withdraw_no="Não, manter",
    yes="Sim",
    no="Não",
    not_now_label="Agora não",
    take_part="Participar",
    ask_consent="Você concorda em participar?",
    scale_ends="(1 = {low}, 7 = {high})",
    not_now_text=(
        "Sem problema, obrigado por nos avisar. Você não receberá mais lembretes sobre este convite. Se "
        "quiser participar mais tarde, escreva `começar` aqui a qualquer momento."
    ),
    cut_text=(
        "Sua mensagem tinha {total} caracteres, mais do que consigo receber em uma só mensagem, então "
        "mantive os primeiros {kept}. Se o resto for importante, envie-o em algumas mensagens mais curtas."
    ),
    under_way_text=(
        "Você já está participando. Para continuar depois, escreva `pausa`; para terminar a entrevista, "
        "escreva `parar`."
    ),
    already_taking_part="Você já está participando; vamos continuar de onde paramos.",
    only_text=(
        "Obrigado por enviar. Só consigo ler texto, por isso não abri nem guardei o seu arquivo. Poderia me "
        "contar sobre ele em palavras?"
    ),
    files_not_read=(
        "Obrigado pela sua mensagem. Só consigo ler texto, por isso não abri nem guardei o arquivo que você "
        "enviou."
    ),
    files_skipped=(
        "Só consigo ler texto, por isso não abri nem guardei o arquivo que você enviou; li as suas palavras."
    ),
    no_text="Não recebi nenhum texto. Poderia escrever sua resposta em palavras?",
    pick_a_button="Por favor, escolha uma das opções ou escreva o número dela.",
    yes_or_no="Por favor, responda sim ou não.",
    welcome_back="Olá de novo.",
    where_we_left_off="Onde paramos: {question}",
    expired_text=(
        "Esta entrevista foi encerrada porque não tivemos resposta. Obrigado pelo seu tempo; não faremos "
        "mais perguntas."
    ),
    declined_text=(
        "Sem problema, obrigado por considerar. Guardamos apenas a sua resposta (não), nada do que você "
        "escreveu. Escreva `começar` se mudar de ideia, ou `retirar` para apagar também essa resposta."
    ),
    completed_text=(
        "Obrigado, isso é tudo. Suas respostas estão guardadas. Escreva `retirar` a qualquer momento para "
        "apagá-las."
    ),
    distress_pause=(
        "Podemos fazer uma pausa aqui. Responda quando quiser continuar, ou escreva `parar` para terminar."
    ),
    abuse_end="Vou encerrar a nossa conversa aqui. Obrigado pelo seu tempo.",
    withdraw_question=(
        "Deseja se retirar deste estudo e apagar tudo o que você nos disse nele: suas mensagens, suas "
        "respostas a cada pergunta, suas respostas ao questionário e ao consentimento, desta e de qualquer "
        "entrevista anterior sua neste estudo? Isso não pode ser desfeito."
    ),
    withdrawn_text=(
        "Pronto: tudo o que você nos disse neste estudo foi apagado: suas mensagens, suas respostas às "
        "perguntas e ao questionário, e suas respostas ao consentimento, de todas as suas entrevistas neste "
        "estudo. Guardamos apenas um registro vazio de que uma entrevista aconteceu e foi retirada, sem "
        "nenhum conteúdo. No Slack ou no Discord, as mensagens do bot nesta conversa também estão sendo "
        "apagadas (esta fica); as suas próprias mensagens lá só você pode apagar. Escreva `meus dados` para "
        "verificar. Obrigado pelo seu tempo."
    ),
    nothing_deleted="Nada foi apagado; vamos continuar.",
    already_deleted="Seus dados já foram apagados.",
    under_way_start="Já começamos; basta responder para continuar. Escreva `ajuda` para ver as opções.",
    nothing_to_pause="Não há nada para pausar agora.",
    paused_text="Em pausa. Responda quando quiser e continuaremos de onde paramos.",
    not_paused="Não estamos em pausa; basta responder para continuar.",
    optout_text=(
        "Pronto: este bot não vai mais enviar convites nem lembretes para você. Escreva `inscrever` se um "
        "dia quiser voltar a saber de estudos."
    ),
    optin_text=(
        "Pronto: você pode voltar a receber convites para estudos. Escreva `cancelar inscrição` "
        "para deixar de recebê-los."
    ),
    nothing_held_text=(
        "Você não participou de nenhuma entrevista comigo, então não tenho respostas suas. Escreva `ajuda` "
        "para ver o que posso fazer."
    ),
    snooze_how=(
        "Escreva por quanto tempo adiar os lembretes, p. ex. `snooze 2d` (2 dias), `snooze 12h` (12 horas), "
        "`snooze 1w` (1 semana)."
    ),
    snooze_at_most="No máximo 60 dias, p. ex. `snooze 2w` (2 semanas).",
    nothing_to_snooze="Não há lembretes para adiar agora.",
    snoozed="Pronto: nenhum lembrete durante {length}. Responda quando quiser.",
    nothing_to_stop="Não há nada em andamento para parar.",
    stopped_text=(
        "Entrevista interrompida. Obrigado pelo seu tempo. O que você compartilhou até agora é mantido; "
        "escreva `retirar` se quiser que seja apagado."
    ),
    not_open="Obrigado pelo seu interesse! Este estudo ainda não está aberto; tente novamente mais tarde.",
    no_study="Não há nenhum estudo aberto no momento. Obrigado pelo seu interesse!",
    ended_completed="Esta entrevista está concluída, obrigado. Escreva `retirar` para apagar suas respostas.",
    ended_declined="Você escolheu não participar. Escreva `começar` se mudar de ideia.",
    ended_stopped=(
        "Esta entrevista foi interrompida. Escreva `começar` para recomeçar, ou `retirar` para apagar o que "
        "você disse."
    ),
    ended_withdrawn="Você se retirou e seus dados foram apagados. Escreva `começar` para participar de novo.",
    ended_expired="Esta entrevista foi encerrada. Escreva `começar` para recomeçar.",
    wait="Um momento, por favor; já volto com a próxima pergunta.",
    later=(
        "Desculpe: um problema técnico do nosso lado impede que eu continue a nossa entrevista agora. Nada "
        "do que você disse foi perdido, e vou escrever para você aqui assim que pudermos continuar."
    ),
    refused=(
        "Desculpe, não posso responder a essa mensagem. Poderia dizer de outra forma, ou me contar outra "
        "coisa da sua experiência? Você também pode escrever `parar` a qualquer momento."
    ),
    dead_letter=(
        "Desculpe, algo deu errado do meu lado e não consegui processar {what}. Isso foi separado para a "
        "equipe do estudo analisar. Você pode continuar respondendo de novo, ou escrever `ajuda`."
    ),
    dead_letter_answer="a sua resposta",
    dead_letter_message="a sua última mensagem",
    invitation="Convidamos você a participar de uma breve entrevista de pesquisa: *{title}*.",
    wave_invitation=(
        "Há algum tempo você participou do nosso estudo *{title}*. Poderia nos contar o que mudou desde "
        "então? Leva cerca de dez minutos."
    ),
    reminder_invited="Um pequeno lembrete ({number}): convidamos você para *{title}*. {invitation}\n{opt_out}",
    reminder_waiting=(
        "Um pequeno lembrete ({number}): a nossa entrevista para *{title}* está à sua espera.{where}\n"
        "Responda quando quiser; `snooze 2d` adia 2 dias, `parar` a encerra."
    ),
    opt_out_line="Não tem interesse? Escreva `cancelar inscrição`; sem tempo? Escreva `snooze 2d`.",
    taken_part_one="Até agora 1 pessoa participou.",
    taken_part_many="Até agora {count} pessoas participaram.",
    not_now_in_channel=(
        "Sem problema, nada foi registrado. Se quiser participar mais tarde, clique novamente no botão desta "
        "publicação ou me envie uma mensagem direta."
    ),
    not_now_declined=(
        "Sem problema: você não receberá mais lembretes sobre este convite. Se quiser participar mais tarde, "
        "clique novamente no botão desta publicação ou escreva `começar` nas suas mensagens diretas comigo."
    ),
    data_nothing_held="Não guardamos nada do que você nos disse neste estudo.",
    data_head="Seus dados no estudo `{study}` (seu código {code}):",
    data_interview="Entrevista {n} de {total}, iniciada em {date}:",
    data_interviewer="Entrevistador",
    data_you="Você",
    data_screening="Sua resposta a `{question}`: {value}",
    data_survey="Sua resposta ao questionário `{item}`: {value}",
    data_consent_participation="Seu consentimento para participar",
    data_consent_release="Seu consentimento para publicação",
    data_set_aside="Uma mensagem sua que ainda não conseguimos processar: {text}",
    data_timezone="Guardado para programar mensagens em qualquer estudo: seu fuso horário, {zone} ({where}).",
    data_zone_chosen="escolhido por você",
    data_zone_profile="do seu perfil do {platform}",
    data_withdraw_hint="Escreva `retirar` para apagar tudo isso.",
    offline_acks="Obrigado.\nObrigado, isso ajuda.\nEntendo, obrigado.\nObrigado por explicar.\nEntendi.",
    offline_probe="Poderia me contar mais sobre isso: {note}?",
    offline_distress="Obrigado por me contar; deve ser difícil.",
    you_answered="Sua resposta",
    dms_sent="Obrigado! Enviei uma mensagem direta para você; a entrevista continua lá.",
    dms_pending="Obrigado! Você vai receber uma mensagem direta minha em instantes.",
    dms_closed="Não consegui enviar uma mensagem direta para você, por isso a entrevista ainda não pode começar. Para permitir: clique no nome deste servidor no canto superior esquerdo, abra as **configurações de privacidade**, ative as **mensagens diretas** e clique no botão novamente.",
    home_title="Suas entrevistas de pesquisa",
    home_empty="Você ainda não participou de nenhuma entrevista. Envie-me uma mensagem direta na aba *Mensagens* para começar.",
    home_line="{status} · iniciada em {started}",
    home_completed=" · concluída em {completed}",
    home_more="…e mais {count} entrevistas anteriores.",
    home_data="*Seus dados.* Na aba *Mensagens* você pode escrever `pausa` para continuar depois, `parar` para terminar sua última entrevista, `meus dados` para receber uma cópia do que guardamos sobre você, ou `retirar` para terminá-la e apagar tudo o que você escreveu ou escolheu nesse estudo, em todas as suas entrevistas. Escreva `ajuda` para mais.",
    status_invited="convite recebido, entrevista não iniciada",
    status_consent="aguardando seu consentimento",
    status_in_progress="em andamento",
    status_paused="em pausa",
    status_survey="em andamento (questionário curto)",
    status_completed="concluída",
    status_declined="recusada",
    status_stopped="interrompida",
    status_withdrawn="retirada, dados apagados",
    status_expired="encerrada sem resposta",
    late_click=(
        "Seu clique chegou atrasado, porque minha conexão com o Discord caiu por um momento, e o Discord "
        "pode ter mostrado um erro. Mesmo assim ele chegou e foi registrado; não é preciso clicar de novo."
    ),
    stale_button="Este botão não funciona mais aqui. Por favor, escreva sua resposta ou `ajuda`.",
    reply_with_number="Responda com o número da sua escolha.",
    reshown="(onde paramos)",
    terminal_hint="Você pode escrever `ajuda`, `pausa`, `parar` ou `retirar` a qualquer momento.",
    input_closed="(Entrada encerrada. Sua entrevista está salva; execute o mesmo comando para continuar.)",
    interrupted="(Interrompido. Sua entrevista está salva; execute o mesmo comando para continuar.)",
    line_cut=(
        "(Essa linha atingiu o limite do terminal, cerca de 4.000 caracteres, então o final pode ter sido "
        "cortado; envie o resto em outra mensagem.)"
    ),
)
