"""Which messages are participant commands: the words people write, in English and the study's language.

The rule (docs/design.md, "Command words"): a message is a command when the WHOLE message, once
- normalised (case, accents, full-width forms, a leading `/` or `!`, punctuation, emoji and extra
  spaces at either end, `-` and `_` inside read as spaces), and
- stripped of polite padding at either end (`please`, `thanks`, `now`, `can you`, `I want to`, ...),
is one of the phrases below. Anything else is an answer: "I want to stop using AI" keeps its words after
`I want to`, so it stays an answer, as does any sentence that merely contains a command word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# canonical command -> phrases, per language (English is always recognised).
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "help": ("help", "help me", "commands", "options", "what are the commands"),
        "pause": ("pause", "pause the interview", "take a break", "continue later"),
        "resume": ("resume", "continue", "carry on", "go on", "unpause", "i'm back", "im back", "i am back"),
        "stop": (
            "stop",
            "quit",
            "exit",
            "cancel",
            "end",
            "stop the interview",
            "end the interview",
            "quit the interview",
            "stop interview",
            "end interview",
        ),
        "withdraw": (
            "withdraw",
            "withdraw consent",
            "withdraw my consent",
            "delete my data",
            "delete my answers",
            "delete everything",
            "delete me",
            "remove me",
            "remove my data",
            "erase my data",
            "forget me",
        ),
        "optout": ("optout", "opt out", "unsubscribe", "no more invitations", "stop inviting me"),
        "optin": ("optin", "opt in", "subscribe", "resubscribe"),
        "mydata": ("mydata", "my data", "show my data", "send me my data", "send my data", "my answers"),
        "start": ("start", "begin", "start again", "start over", "restart", "take part"),
        "snooze": ("snooze", "remind me later"),
    },
    "de": {
        "help": ("hilfe", "befehle"),
        "pause": ("pause", "pausieren", "spater"),
        "resume": ("weiter", "fortsetzen", "weitermachen"),
        "stop": ("stopp", "stop", "aufhoren", "beenden", "abbrechen", "ende", "schluss"),
        "withdraw": (
            "zuruckziehen",
            "meine daten loschen",
            "daten loschen",
            "losch meine daten",
            "vergiss mich",
        ),
        "optout": ("abmelden", "abbestellen"),
        "optin": ("anmelden",),
        "mydata": ("meine daten",),
        "start": ("starten", "beginnen", "neu starten"),
    },
    "fr": {
        "help": ("aide", "aidez moi", "commandes"),
        "pause": ("pause",),
        "resume": ("reprendre", "continuer"),
        "stop": ("stop", "arreter", "arrete", "arretez", "fin", "terminer", "quitter", "annuler"),
        "withdraw": ("retirer", "supprimer mes donnees", "effacer mes donnees", "oubliez moi"),
        "optout": ("desabonner", "me desabonner", "se desabonner", "me desinscrire", "desinscrire"),
        "optin": ("abonner", "m abonner", "me reinscrire"),
        "mydata": ("mes donnees",),
        "start": ("commencer", "demarrer", "recommencer"),
    },
    "es": {
        "help": ("ayuda", "comandos"),
        "pause": ("pausa", "pausar"),
        "resume": ("continuar", "reanudar", "seguir"),
        "stop": ("parar", "detener", "salir", "terminar", "cancelar", "alto", "basta"),
        "withdraw": ("retirar", "borrar mis datos", "eliminar mis datos", "olvidame"),
        "optout": ("darme de baja", "dar de baja", "baja", "desuscribir"),
        "optin": ("darme de alta", "suscribir"),
        "mydata": ("mis datos",),
        "start": ("empezar", "comenzar", "iniciar"),
    },
    "pt": {
        "help": ("ajuda", "comandos"),
        "pause": ("pausa", "pausar"),
        "resume": ("continuar", "retomar"),
        "stop": ("parar", "sair", "terminar", "cancelar"),
        "withdraw": ("retirar", "apagar meus dados", "apagar os meus dados", "excluir meus dados"),
        "optout": ("cancelar inscricao", "descadastrar"),
        "optin": ("inscrever",),
        "mydata": ("meus dados", "os meus dados"),
        "start": ("comecar", "iniciar"),
    },
    "it": {
        "help": ("aiuto", "comandi"),
        "pause": ("pausa",),
        "resume": ("riprendi", "continua"),
        "stop": ("stop", "fermati", "basta", "esci", "termina", "annulla"),
        "withdraw": ("ritira", "cancella i miei dati", "elimina i miei dati", "dimenticami"),
        "optout": ("disiscriviti", "annulla iscrizione"),
        "optin": ("iscriviti",),
        "mydata": ("i miei dati",),
        "start": ("inizia", "comincia"),
    },
    "nl": {
        "help": ("hulp", "help"),
        "pause": ("pauze", "pauzeren"),
        "resume": ("hervatten", "doorgaan", "verder"),
        "stop": ("stop", "stoppen", "beeindigen", "afsluiten", "annuleren"),
        "withdraw": ("intrekken", "verwijder mijn gegevens", "vergeet mij"),
        "optout": ("afmelden", "uitschrijven"),
        "optin": ("aanmelden",),
        "mydata": ("mijn gegevens",),
        "start": ("beginnen", "starten"),
    },
}
# Polite padding that may stand before or after a command without making it an answer.
LEADING: dict[str, tuple[str, ...]] = {
    "en": (
        "please",
        "pls",
        "plz",
        "kindly",
        "ok",
        "okay",
        "can you",
        "could you",
        "can i",
        "could i",
        "may i",
        "let me",
        "i want to",
        "i would like to",
        "id like to",
        "i d like to",
    ),
    "de": ("bitte", "ich mochte"),
    "fr": ("s il vous plait", "s il te plait", "svp", "stp", "je veux", "je voudrais"),
    "es": ("por favor", "quiero"),
    "pt": ("por favor", "quero"),
    "it": ("per favore", "voglio"),
    "nl": ("alsjeblieft", "graag", "ik wil"),
}
TRAILING: dict[str, tuple[str, ...]] = {
    "en": ("please", "pls", "plz", "thanks", "thank you", "thx", "ty", "now", "right now", "for now"),
    "de": ("bitte", "danke", "jetzt"),
    "fr": ("s il vous plait", "s il te plait", "svp", "stp", "merci", "maintenant"),
    "es": ("por favor", "gracias", "ahora"),
    "pt": ("por favor", "obrigado", "obrigada", "agora"),
    "it": ("per favore", "grazie", "ora", "adesso"),
    "nl": ("alsjeblieft", "aub", "a u b", "bedankt", "dank je", "nu"),
}
# Yes and no to a yes/no question (consent, publication, withdrawal) in a study's language; English's
# are in bot/interview/conversation.py and always understood.
YES_NO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "de": (("ja", "j", "einverstanden", "ja bitte"), ("nein", "nein danke")),
    "fr": (("oui", "d accord", "oui merci"), ("non", "non merci")),
    "es": (("si", "de acuerdo", "vale"), ("no", "no gracias")),
    "pt": (("sim", "concordo"), ("nao", "nao obrigado", "nao obrigada")),
    "it": (("si", "va bene", "d accordo"), ("no", "no grazie")),
    "nl": (("ja", "akkoord", "ja graag"), ("nee", "nee bedankt", "nee dank je")),
}
# Words for "cancel": while a withdrawal waits for its yes or no they mean no, not `stop`.
CANCEL_WORDS = frozenset({"cancel", "annuler", "cancelar", "annulla", "abbrechen", "annuleren"})
MAX_COMMAND_CHARS = 60  # longer messages are answers: nobody pads a command that much
_UNITS = {
    "m": "m",
    "min": "m",
    "mins": "m",
    "minute": "m",
    "minutes": "m",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "d": "d",
    "day": "d",
    "days": "d",
    "w": "w",
    "wk": "w",
    "wks": "w",
    "week": "w",
    "weeks": "w",
}
_SNOOZE = re.compile(r"^snooze(?: for)? (\d{1,6}) ?([a-z]+)$")
_SEPARATORS = re.compile(r"[\s\-_'’.,;:]+")


def _plain(text: str) -> str:
    """Lower case without accents, compatibility forms or invisible characters; spaces collapsed."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch for ch in folded if not unicodedata.combining(ch) and unicodedata.category(ch) not in ("Cf", "Cc")
    )
    kept = kept.strip()
    kept = kept.lstrip("/!").strip()
    # punctuation, symbols and emoji at either end are tone, not words
    while kept and unicodedata.category(kept[-1])[0] in "PSZ":
        kept = kept[:-1]
    while kept and unicodedata.category(kept[0])[0] in "PSZ":
        kept = kept[1:]
    return _SEPARATORS.sub(" ", kept).strip()


@lru_cache(maxsize=16)
def _tables(languages: frozenset[str]) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    phrases: dict[str, str] = {}
    leading: list[str] = []
    trailing: list[str] = []
    for language in sorted(languages | {"en"}, key=lambda code: code != "en"):  # English wins a clash
        for command, words in PHRASES.get(language, {}).items():
            for word in words:
                phrases.setdefault(_plain(word), command)
        leading += [_plain(w) for w in LEADING.get(language, ())]
        trailing += [_plain(w) for w in TRAILING.get(language, ())]
    by_length = lambda w: -len(w)  # noqa: E731  (try "thank you" before "thank")
    return phrases, tuple(sorted(set(leading), key=by_length)), tuple(sorted(set(trailing), key=by_length))


def _unpadded(words: str, leading: tuple[str, ...], trailing: tuple[str, ...]) -> str:
    changed = True
    while changed and words:
        changed = False
        for pad in leading:
            if words.startswith(pad + " "):
                words, changed = words[len(pad) + 1 :], True
                break
        for pad in trailing:
            if words.endswith(" " + pad):
                words, changed = words[: -len(pad) - 1], True
                break
    return words


def language_codes(languages: Iterable[str]) -> frozenset[str]:
    """The primary language subtags of study languages (`pt-BR` -> `pt`)."""
    return frozenset(code.split("-")[0].lower() for code in languages if code)


def parse_command(text: str, languages: frozenset[str] = frozenset({"en"})) -> str | None:
    """The canonical command a whole message asks for (`stop`, `snooze 2d`, ...), or None for an answer."""
    if not text or len(text) > MAX_COMMAND_CHARS * 2:
        return None
    words = _plain(text)
    if not words or len(words) > MAX_COMMAND_CHARS:
        return None
    phrases, leading, trailing = _tables(languages)
    words = _unpadded(words, leading, trailing)
    snooze = _SNOOZE.match(words)
    if snooze:
        unit = _UNITS.get(snooze[2])
        # a malformed length is still a snooze command: the state machine explains the format
        return f"snooze {int(snooze[1])}{unit}" if unit else "snooze ?"
    if words.startswith("snooze "):
        return "snooze ?"
    return phrases.get(words)


def yes_or_no(text: str, language: str) -> bool | None:
    """True for a yes, False for a no in the study's `language` (`de`, `pt-BR`, ...), else None."""
    yes, no = YES_NO.get(language.split("-")[0].lower(), ((), ()))
    words = _plain(text)
    return True if words in yes else False if words in no else None


def is_cancel(text: str) -> bool:
    """True when the whole message says "cancel" (politely or not) in one of the known languages."""
    _, leading, trailing = _tables(frozenset(PHRASES))
    return _unpadded(_plain(text), leading, trailing) in CANCEL_WORDS
