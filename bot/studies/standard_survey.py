"""The standard survey's wording per language, for studies that write no survey of their own: the same
three items (`satisfaction`, `captured` on a 1-7 scale, `recommend` yes or no) in every language.
Each entry: (question, low label, high label) for the two scales, then the yes/no question."""

from __future__ import annotations

Scale = tuple[str, str, str]
WORDING: dict[str, tuple[Scale, Scale, str]] = {
    "en": (
        ("How satisfied are you with this conversation?", "not at all satisfied", "very satisfied"),
        ("How well did it capture your thoughts?", "not at all", "very well"),
        "Would you recommend this format to others?",
    ),
    "de": (
        ("Wie zufrieden sind Sie mit diesem Gespräch?", "überhaupt nicht zufrieden", "sehr zufrieden"),
        ("Wie gut hat es Ihre Gedanken erfasst?", "überhaupt nicht", "sehr gut"),
        "Würden Sie dieses Format anderen empfehlen?",
    ),
    "fr": (
        (
            "Dans quelle mesure êtes-vous satisfait de cette conversation ?",
            "pas du tout satisfait",
            "très satisfait",
        ),
        ("Dans quelle mesure a-t-elle bien saisi vos idées ?", "pas du tout", "très bien"),
        "Recommanderiez-vous ce format à d'autres personnes ?",
    ),
    "es": (
        ("¿Qué tan satisfecho está con esta conversación?", "nada satisfecho", "muy satisfecho"),
        ("¿Qué tan bien recogió sus ideas?", "nada", "muy bien"),
        "¿Recomendaría este formato a otras personas?",
    ),
    "pt": (
        ("Quão satisfeito você está com esta conversa?", "nada satisfeito", "muito satisfeito"),
        ("Quão bem ela captou os seus pensamentos?", "nada", "muito bem"),
        "Você recomendaria este formato a outras pessoas?",
    ),
    "it": (
        ("Quanto è soddisfatto di questa conversazione?", "per niente soddisfatto", "molto soddisfatto"),
        ("Quanto bene ha colto i suoi pensieri?", "per niente", "molto bene"),
        "Consiglierebbe questo formato ad altre persone?",
    ),
    "nl": (
        ("Hoe tevreden bent u over dit gesprek?", "helemaal niet tevreden", "zeer tevreden"),
        ("Hoe goed heeft het uw gedachten weergegeven?", "helemaal niet", "zeer goed"),
        "Zou u deze vorm aan anderen aanraden?",
    ),
}
