"""Synthetic interviews with planted themes at known per-group prevalences, for the analysis tests.

Each interview answers the same six questions. Whether it expresses each planted theme is drawn with the
group's probability (seeded), and the realised labels are returned as the truth. A theme is expressed by
one of several paraphrases (different words, same meaning) placed in a random answer between filler
sentences; some answers carry planted identifiers (emails, phone numbers, full names) that must never
reach a quote. With `denials`, an interview without a theme may carry a sentence on its topic that
denies it, wishes for it or reports someone else's view of it (DENIALS), which coding must not count.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from bot.analysis.corpus import segments
from bot.analysis.model import Code, Doc

GROUPS = ("teacher", "nurse", "engineer")
QUESTIONS = [
    "Could you tell me how AI tools fit into your typical working week?",
    "Walk me through the last time you used an AI tool for something that mattered.",
    "How do the people around you at work feel about using AI?",
    "What do you think your work will look like in five years?",
    "Which parts of your job would you never hand over to AI, and why?",
    "Is there anything else about AI and your work you would like to share?",
]
INTRO = "Hi! Thanks for taking part. I'll ask a few questions about AI and your work. Does that sound good?"

THEMES: dict[str, list[str]] = {
    "stigma": [
        "I don't tell my colleagues that I use AI, because they would think I'm cheating or being lazy.",
        "Nobody at my workplace admits to using these tools; there's a sense that it's shameful and not real work.",
        "I keep my AI use quiet, since my manager sees it as cutting corners and I'd be judged for it.",
        "People here look down on anyone who relies on a chatbot, so I hide it when I use one.",
        "If my coworkers found out I drafted things with AI they'd respect me less, so I never mention it.",
    ],
    "anxiety": [
        "Honestly I'm scared that AI will take my job within a few years and I'll have nothing to fall back on.",
        "It worries me a lot that my role could be automated away and my skills will become worthless.",
        "I lie awake wondering whether there will still be a place for someone like me once these systems improve.",
        "I feel anxious about my career, because every new model does more of what I was trained to do.",
        "My biggest fear is being replaced by software and losing the income my family depends on.",
    ],
    "reliability": [
        "The answers are often wrong, and it once invented a source that didn't exist, so I check everything.",
        "I can't trust what it produces without verifying every fact, because it makes things up confidently.",
        "It gets details wrong so often that I double-check each number before anything goes out.",
        "Sometimes it hallucinates completely false information, which means I treat its output as unreliable.",
        "The tool is inconsistent and makes errors, so I never rely on it for anything important without checking.",
    ],
    "time": [
        "It saves me hours every week on routine paperwork like emails, forms and meeting notes.",
        "The biggest benefit is speed: boring admin tasks that took an afternoon now take ten minutes.",
        "I use it to get through repetitive writing much faster, which frees up time for the real work.",
        "Drafting reports and summaries is so much quicker now, it cuts my admin time roughly in half.",
        "Tedious documentation used to eat my evenings, and now the assistant handles the first draft in minutes.",
    ],
    "learning": [
        "I use it like a patient tutor to learn new topics and have difficult concepts explained to me.",
        "When I don't understand something technical I ask it to walk me through it step by step until it clicks.",
        "It has helped me pick up new skills, like a bit of programming, by explaining things at my level.",
        "I treat it as a study partner: I ask questions about unfamiliar subjects and it teaches me the basics.",
        "Learning a new method is easier when I can ask the AI to explain the theory and give me examples.",
    ],
}
# The same topics in words that do not affirm them: denied, wished for, or someone else's view. Planted in
# interviews without the theme: coding that reads only what a passage is about would count them.
DENIALS: dict[str, list[str]] = {
    "anxiety": [
        "I'm not worried at all that AI will take my job, I really don't lose sleep over it.",
        "A lot of people I know are scared that AI will replace them and make their skills worthless.",
    ],
    "reliability": [
        "Other people complain that it invents facts and sources, but I have not seen that myself.",
        "Some people say its answers are often wrong and have to be double-checked.",
    ],
    "time": [
        "It doesn't save me any time on paperwork, I still fill in every form and email by hand.",
        "I'd love it to speed up my reports and meeting notes one day, if it ever gets good enough.",
    ],
    "learning": [
        "I don't use it to learn new skills or have concepts explained, I prefer books for that.",
        "If it could explain difficult technical topics step by step, I would use it as a tutor.",
    ],
}
PREVALENCE: dict[str, dict[str, float]] = {
    "teacher": {"stigma": 0.6, "anxiety": 0.25, "reliability": 0.5, "time": 0.7, "learning": 0.3},
    "nurse": {"stigma": 0.2, "anxiety": 0.7, "reliability": 0.35, "time": 0.5, "learning": 0.5},
    "engineer": {"stigma": 0.4, "anxiety": 0.45, "reliability": 0.8, "time": 0.3, "learning": 0.65},
}
FILLER = [
    "I usually start the day by checking my calendar and planning what needs doing first.",
    "Our team meets on Monday mornings to go over the week ahead.",
    "The building I work in was renovated last year, and the new rooms are much brighter.",
    "Most of my day is spent with the people I serve, rather than at a desk.",
    "We have a lot of meetings, some useful and some less so.",
    "I've been in this line of work for about eleven years now.",
    "My commute is short, so I often walk to work when the weather is good.",
    "There is a shared kitchen where we talk about the weekend over coffee.",
    "I like the variety, no two weeks are quite the same.",
    "We moved to a new scheduling system recently and everyone is still getting used to it.",
    "Lunch is usually quick, I eat at my desk most days.",
    "The busiest time of year for us is the autumn.",
]
IDENTIFIERS = [
    ("My email is {e} if you want to follow up.", ["dana.whitfield@example.org", "r.okafor77@mailbox.net"]),
    ("You can call me on {e} after five.", ["+44 20 7946 0958", "+1 415 555 0132"]),
    ("My supervisor Dr. {e} would say the same.", ["Helena Marchetti", "Tobias Lindqvist"]),
    ("I mostly work alongside {e} on these things.", ["Priya Ramaswamy", "Colin McAllister"]),
]
PLANTED = [value for _, values in IDENTIFIERS for value in values]

CODEBOOK = [
    Code(
        "stigma",
        "Hides AI use because of judgement",
        "The participant conceals or downplays using AI at work because colleagues or managers disapprove of it.",
        include=["fear of being judged as lazy or cheating for using AI"],
        examples=["I don't mention AI to my team because they think it's not proper work."],
        # hiding is said with "don't", judgement is other people's view, and "they'd think" is hypothetical
        counts=["negated", "hypothetical", "others"],
    ),
    Code(
        "anxiety",
        "Worried about losing their job to AI",
        "The participant fears AI will replace them or make their job, skills or income disappear.",
        include=["fear of automation of their own role"],
        examples=["I'm afraid a machine will do my job soon."],
    ),
    Code(
        "reliability",
        "AI output is unreliable",
        "The participant says AI makes mistakes or invents facts, so its output has to be verified.",
        include=["hallucinations", "needing to double-check AI answers"],
        examples=["It gets facts wrong, so I verify everything it says."],
        counts=["negated"],  # "I can't trust it" is the concern itself
    ),
    Code(
        "time",
        "AI saves time on routine work",
        "The participant uses AI to do routine or administrative tasks faster and save time.",
        include=["faster emails, forms, reports and notes"],
        examples=["It speeds up my paperwork a lot."],
    ),
    Code(
        "learning",
        "Learning with AI",
        "The participant uses AI to learn new skills or to have concepts explained, like a tutor.",
        include=["explanations of unfamiliar topics", "studying with AI"],
        examples=["I ask it to explain things I don't understand."],
    ),
]


@dataclass
class Synthetic:
    docs: list[Doc]
    truth: dict[str, dict[str, bool]]  # interview -> theme -> expressed
    texts: dict[str, str] = field(default_factory=dict)  # interview -> dataset-layout transcript

    def prevalence(self, theme: str, group: str | None = None) -> float:
        ids = [d.code for d in self.docs if group is None or d.group["occupation"] == group]
        return sum(self.truth[i][theme] for i in ids) / len(ids)

    def write_csv(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["transcript_id", "text", "occupation"])
            for d in self.docs:
                writer.writerow([d.code, self.texts[d.code], d.group["occupation"]])
        return path


def _answer(rng: random.Random, planted: list[str]) -> str:
    """Planted sentences with at most one filler sentence, or two to three filler sentences."""
    sentences = rng.sample(FILLER, rng.randint(0, 1) if planted else rng.randint(2, 3))
    for sentence in planted:
        sentences.insert(rng.randint(0, len(sentences)), sentence)
    return " ".join(sentences)


def generate(per_group: int = 60, seed: int = 7, denials: float = 0.0) -> Synthetic:
    """`denials`: the chance that an interview without a theme carries one of its DENIALS sentences."""
    rng = random.Random(seed)
    docs, truth, texts = [], {}, {}
    for group in GROUPS:
        for n in range(per_group):
            code = f"{group[:3]}_{n:03d}"
            labels = {t: rng.random() < p for t, p in PREVALENCE[group].items()}
            slots: list[list[str]] = [[] for _ in QUESTIONS]
            for theme, present in labels.items():
                if present:
                    slots[rng.randrange(len(QUESTIONS))].append(rng.choice(THEMES[theme]))
                elif denials and theme in DENIALS and rng.random() < denials:
                    slots[rng.randrange(len(QUESTIONS))].append(rng.choice(DENIALS[theme]))
            if rng.random() < 0.4:
                template, values = rng.choice(IDENTIFIERS)
                slots[rng.randrange(len(QUESTIONS))].append(template.format(e=rng.choice(values)))
            turns = [("interviewer", INTRO), ("participant", "Yes, sounds good.")]
            for question, planted in zip(QUESTIONS, slots, strict=True):
                turns += [("interviewer", question), ("participant", _answer(rng, planted))]
            texts[code] = "\n\n".join(
                f"{'User' if role == 'participant' else ('Assistant' if i == 0 else 'AI')}: {text}"
                for i, (role, text) in enumerate(turns)
            )
            docs.append(Doc(code=code, group={"occupation": group}, segments=segments(code, turns)))
            truth[code] = labels
    return Synthetic(docs, truth, texts)
