"""A synthetic corpus of identifiers inside interview-like sentences, and ordinary sentences with none."""

from __future__ import annotations

EMAILS = [
    "maria.lopez@example.com",
    "j_smith+work@mail.example.co.uk",
    "dev-team@startup.io",
    "a.b.c@sub.domain.org",
    "Priya.K@university.edu",
    "x1@y.fr",
]
PHONES = [
    "+44 20 7946 0958",
    "+1 (415) 555-0132",
    "+49 30 12345678",
    "+33 1 23 45 67 89",
    "+91 98765 43210",
    "0044 161 496 0000",
    "(020) 7946 0958",
    "415-555-0199",
    "415.555.0123",
    "020 7946 0000",
    "+61 2 9876 5432",
    "+81-3-1234-5678",
]
URLS = [
    "https://example.com/profile/42",
    "http://intranet.corp.example/wiki/Page_1",
    "www.mysite.org",
    "github.com/someone/project",
    "https://docs.example.io/a?b=c&d=e",
]
HANDLES = ["@maria_l", "@devguy99", "@the.real.sam", "@Kim-Lee"]
NUMBERS = [
    "4111 1111 1111 1111",  # a test Visa number (passes Luhn)
    "5500-0000-0000-0004",
    "GB82 WEST 1234 5698 7654 32",
    "DE89370400440532013000",
    "12345678901",
    "00482913",
]
PERSONS = [
    "Sarah Johnson",
    "Dr. Patel",
    "Mr Okafor",
    "Miguel Ángel Torres",
    "Prof. Helen Zhang",
    "Tom Becker",
    "Aisha Rahman",
    "Mrs. Kowalski",
]
ORGS = [
    "Acme Widgets Inc",
    "Northwind Traders Ltd",
    "University of Leeds",
    "Stanford University",
    "Blue Harbor Partners",
    "Fenwick Foundation",
    "Baker & Sons LLC",
]

TEMPLATES = {
    "EMAIL": "You can write to me at {} if you have more questions.",
    "PHONE": "My number at work is {} but I rarely pick up.",
    "URL": "I keep my notes on {} so the team can see them.",
    "HANDLE": "Our channel is run by {} who posts the updates.",
    "NUMBER": "I once pasted {} into the chat by mistake.",
    "PERSON": "Last week I showed it to {} and she laughed.",
    "ORG": "Before this job I worked at {} for three years.",
}
VALUES = {
    "EMAIL": EMAILS,
    "PHONE": PHONES,
    "URL": URLS,
    "HANDLE": HANDLES,
    "NUMBER": NUMBERS,
    "PERSON": PERSONS,
    "ORG": ORGS,
}

ORDINARY = [
    "I use it to draft specifications and summarise long meeting notes every week.",
    "Honestly, it saves me about 20 minutes a day, maybe 30 on a busy Monday.",
    "We had 3 releases in March and I checked every number by hand.",
    "The AI is good at first drafts but I keep the judgement for myself.",
    "In 2023 I started using Claude for email replies; in 2024 I stopped.",
    "It gets things wrong about 1 in 10 times, so I compare it against the source.",
    "I teach year 9 science and use it to plan lessons.",
    "Version 2.5 of our tool was slower than 2.4.",
    "The meeting is at 10:30 and lasts 45 minutes.",
    "When I'm tired I let it rewrite my paragraphs. Then I read them again.",
    "My manager thinks it's fine as long as I review the output.",
    "We spent £1,200 on licences last year, which is a lot for a small team.",
    "Sometimes it invents references, which is a real problem in research.",
    "I think my role will shift to reviewing rather than writing.",
    "It's 50/50 whether the summary is useful.",
    "Pages 100-1000 of the 2023-2024 report were generated, then checked.",
    "The University sent a memo, and the Council replied on Friday.",
]


def cases() -> list[tuple[str, str, str]]:
    """(kind, value, sentence) for every identifier in the corpus."""
    return [(kind, v, TEMPLATES[kind].format(v)) for kind, values in VALUES.items() for v in values]
