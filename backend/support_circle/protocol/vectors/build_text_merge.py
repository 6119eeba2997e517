"""The ``text_merge`` vectors (PROTOCOL.md §7, "Merging text").

The named cases are written out by hand from the rules, not computed, so they check the code. The
``agreement …`` cases are drawn at random from a fixed stream and their results are what the
Python implementation computes: run by the TypeScript side, they show that the two diff libraries
find the same changes, on texts with repeated words, emoji, marks and ideographs.
"""

from typing import Any

from support_circle.protocol import primitives
from support_circle.protocol.merge import merge
from support_circle.protocol.vectors.making import Vector, group_file, substream, vector

LOCAL_HLC = "1767225600000-0001-bG9jYWwAAAAAAAAAAAAAAA"
REMOTE_HLC = "1767225600000-0000-cmVtb3RlAAAAAAAAAAAAAA"


def _units(name: str, comment: str, text: str, expected: list[str]) -> Vector:
    return vector(name, comment, op="units", text=text, units=expected)


def _merge(
    name: str, comment: str, base: Any, local: Any, remote: Any, result: Any, later: bool = True, **clocks: str
) -> Vector:
    return vector(
        name, comment, op="merge", base=base, local=local, remote=remote, local_is_later=later, **clocks, result=result
    )


def _note(text: str, title: str = "Plan") -> dict[str, Any]:
    return {"title": title, "text": text}


UNITS = [
    _units(
        "words",
        "each word with the whitespace before it",
        "We met at  the park.",
        ["We", " met", " at", "  the", " park."],
    ),
    _units(
        "leading and trailing whitespace",
        "whitespace before the first word joins it; at the end it is a unit",
        " Hi\n",
        [" Hi", "\n"],
    ),
    _units("nothing", "an empty text has no units", "", []),
    _units("only whitespace", "one unit", " \t\n", [" \t\n"]),
    _units(
        "other whitespace",
        "no-break, ideographic and line separator spaces are whitespace too",
        "a\u00a0b\u3000c\u2028d",
        ["a", "\u00a0b", "\u3000c", "\u2028d"],
    ),
    _units(
        "emoji stay whole",
        "a family joined by zero-width joiners, a skin tone and a flag are inside one word",
        "hi 👩\u200d👩\u200d👧 👋🏽 🇳🇿!",
        ["hi", " 👩\u200d👩\u200d👧", " 👋🏽", " 🇳🇿!"],
    ),
    _units("combining marks stay", "a mark after a letter is part of the word", "cafe\u0301 ok", ["cafe\u0301", " ok"]),
    _units(
        "ideographs one by one",
        "Chinese has no spaces: each ideograph is a unit",
        "我们明天见。",
        ["我", "们", "明", "天", "见", "。"],
    ),
    _units(
        "kana with a combining mark",
        "a combining voiced mark and a variation selector join the character before them",
        "か\u3099葛\U000e0100x",
        ["か\u3099", "葛\U000e0100", "x"],
    ),
    _units(
        "ideographs beside other words", "a run of other characters is one word", "Sam说OK了", ["Sam", "说", "OK", "了"]
    ),
]

PARK = "We met at the park. Sam was there."
PLAN = "We met at the park.\n\nSam said he would call.\n\nNext time: Monday."

MERGES = [
    _merge(
        "sentences added at different places",
        "both kept, each where it was written",
        _note(PARK),
        _note("We met at the park. It was sunny. Sam was there."),
        _note(PARK + " Sam will call on Monday."),
        _note("We met at the park. It was sunny. Sam was there. Sam will call on Monday."),
    ),
    _merge(
        "sentences added at the same place",
        "both kept, the earlier side's first",
        _note(PARK),
        _note(PARK + " Bring the form."),
        _note(PARK + " It went well."),
        _note(PARK + " It went well. Bring the form."),
    ),
    _merge(
        "sentences added at the same place, remote later",
        "the local side is the earlier one now",
        _note(PARK),
        _note(PARK + " Bring the form."),
        _note(PARK + " It went well."),
        _note(PARK + " Bring the form. It went well."),
        later=False,
    ),
    _merge(
        "one insertion holds the other",
        "words both added at one place are kept once",
        _note(PARK),
        _note(PARK + " Call Sam."),
        _note(PARK + " Call Sam. Bring the form."),
        _note(PARK + " Call Sam. Bring the form."),
    ),
    _merge(
        "same words changed the same way",
        "one copy, and each side's other changes",
        _note("Call Sam on Monday. Bring the form."),
        _note("Ring Sam on Tuesday. Bring the form."),
        _note("Call Sam on Tuesday. Bring the blue form."),
        _note("Ring Sam on Tuesday. Bring the blue form."),
    ),
    _merge(
        "same words changed differently",
        "the later side's words stand; only the other side's words for that place are kept",
        _note("Call Sam on Monday. Bring the form."),
        _note("Call Sam on Tuesday. Bring the form."),
        _note("Call Sam on Friday. Bring the blue form."),
        {
            "title": "Plan",
            "text": "Call Sam on Tuesday. Bring the blue form.",
            "_conflicts": [{"field": "text", "value": " Friday.", "at": " Tuesday.", "hlc": REMOTE_HLC}],
        },
        remote_hlc=REMOTE_HLC,
    ),
    _merge(
        "same words changed differently, remote later",
        "the remote words stand; the local ones are kept with the local hlc",
        _note("Call Sam on Monday. Bring the form."),
        _note("Call Sam on Tuesday. Bring the form."),
        _note("Call Sam on Friday. Bring the blue form."),
        {
            "title": "Plan",
            "text": "Call Sam on Friday. Bring the blue form.",
            "_conflicts": [{"field": "text", "value": " Tuesday.", "at": " Friday.", "hlc": LOCAL_HLC}],
        },
        later=False,
        local_hlc=LOCAL_HLC,
    ),
    _merge(
        "two places changed differently",
        "one entry for each place, in the order of the text",
        _note("Call Sam on Monday. Bring the form."),
        _note("Call Alex on Monday. Bring a pen."),
        _note("Call Jo on Monday. Bring the forms."),
        {
            "title": "Plan",
            "text": "Call Alex on Monday. Bring a pen.",
            "_conflicts": [
                {"field": "text", "value": " Jo", "at": " Alex"},
                {"field": "text", "value": " the forms.", "at": " a pen."},
            ],
        },
    ),
    _merge(
        "a paragraph deleted here, edited there",
        "the later deletion stands and the edited paragraph is kept as the other version",
        _note(PLAN),
        _note("We met at the park.\n\nNext time: Monday."),
        _note("We met at the park.\n\nSam said she would call.\n\nNext time: Monday."),
        {
            "title": "Plan",
            "text": "We met at the park.\n\nNext time: Monday.",
            "_conflicts": [{"field": "text", "value": "\n\nSam said she would call.", "at": ""}],
        },
    ),
    _merge(
        "a paragraph edited here, deleted there",
        "the later edit stands; the deletion lost no words, so it leaves no entry",
        _note(PLAN),
        _note("We met at the park.\n\nSam said she would call.\n\nNext time: Monday."),
        _note("We met at the park.\n\nNext time: Monday."),
        _note("We met at the park.\n\nSam said she would call.\n\nNext time: Monday."),
    ),
    _merge(
        "words added beside words the other side changed",
        "an insertion touching a change counts as the same place",
        _note("See you Monday."),
        _note("See you Monday. Bring snacks."),
        _note("See you Tuesday."),
        {
            "title": "Plan",
            "text": "See you Monday. Bring snacks.",
            "_conflicts": [{"field": "text", "value": " Tuesday.", "at": " Monday. Bring snacks."}],
        },
    ),
    _merge(
        "neighbouring words changed",
        "two words side by side, one changed on each side, are different places",
        _note("Call Sam on Monday."),
        _note("Call Alex on Monday."),
        _note("Call Sam at Monday."),
        _note("Call Alex at Monday."),
    ),
    _merge(
        "only whitespace lost",
        "an other version of nothing but whitespace is not kept",
        _note("See you\n"),
        _note("See you"),
        _note("See you\n\n"),
        _note("See you"),
    ),
    _merge(
        "emoji",
        "emoji are never split, and merge as words",
        _note("Feeling 🙂 today"),
        _note("Feeling 👩\u200d👩\u200d👧 today"),
        _note("Feeling 🙂 today, thanks 👋🏽"),
        _note("Feeling 👩\u200d👩\u200d👧 today, thanks 👋🏽"),
    ),
    _merge(
        "combining marks",
        "a letter keeps its mark",
        _note("Meet at the cafe\u0301 at noon."),
        _note("Meet at the cafe\u0301 at one."),
        _note("Meet Sam at the cafe\u0301 at noon."),
        _note("Meet Sam at the cafe\u0301 at one."),
    ),
    _merge(
        "Chinese without spaces",
        "ideographs merge one by one",
        _note("我们明天见面。"),
        _note("我们后天见面。"),
        _note("我们明天见面。谢谢"),
        _note("我们后天见面。谢谢"),
    ),
    _merge(
        "Chinese changed differently",
        "the other version is only the ideographs of that place",
        _note("我们明天见面。"),
        _note("我们后天见面。"),
        _note("我们周五见面。"),
        {"title": "Plan", "text": "我们后天见面。", "_conflicts": [{"field": "text", "value": "周五", "at": "后天"}]},
    ),
    _merge(
        "a member that is not text",
        "title merges as one value: the other side's whole title is kept",
        _note("x", title="Monday"),
        _note("x", title="Monday plan"),
        _note("x", title="Monday call"),
        {"title": "Monday plan", "text": "x", "_conflicts": [{"field": "title", "value": "Monday call"}]},
    ),
    _merge(
        "text both created",
        "with no base text there is nothing to merge words against: one value wins",
        {"title": "Plan"},
        _note("mine"),
        _note("theirs"),
        {"title": "Plan", "text": "mine", "_conflicts": [{"field": "text", "value": "theirs"}]},
    ),
    _merge(
        "text that is not a string",
        "a text member whose value is not a string merges as one value",
        {"text": "a b"},
        {"text": "a c"},
        {"text": ["a", "d"]},
        {"text": "a c", "_conflicts": [{"field": "text", "value": ["a", "d"]}]},
    ),
    _merge(
        "earlier conflicts carry over",
        "the new entries follow the ones both sides had",
        {"text": "a b c", "_conflicts": [{"field": "text", "value": "x"}]},
        {"text": "a B c", "_conflicts": [{"field": "text", "value": "x"}]},
        {"text": "a b C"},
        {"text": "a B C", "_conflicts": [{"field": "text", "value": "x"}]},
    ),
]

# Few words, many repeats: diffs that must choose between equal alignments.
_WORDS = [
    "a",
    "b",
    "the",
    "Sam",
    "call",
    "Monday.",
    "🙂",
    "👩\u200d👧",
    "cafe\u0301",
    "我",
    "们",
    "见",
    "。",
]
_SPACES = [" ", " ", " ", "\n", "\n\n", "  "]


class _Draw:
    """Small choices from the vectors' seeded stream."""

    def below(self, n: int) -> int:
        return int.from_bytes(primitives.random_bytes(4), "big") % n

    def text(self, words: int) -> str:
        return "".join(_WORDS[self.below(len(_WORDS))] + _SPACES[self.below(len(_SPACES))] for _ in range(words))

    def edit(self, text: str) -> str:
        chars = list(text)
        for _ in range(1 + self.below(3)):
            at, size = self.below(len(chars) + 1), self.below(6)
            chars[at : at + size] = list(self.text(self.below(3)))
        return "".join(chars)


def _agreement(count: int) -> list[Vector]:
    draw, found = _Draw(), []
    for i in range(count):
        base = draw.text(3 + draw.below(12))
        local, remote, later = draw.edit(base), draw.edit(base), draw.below(2) == 1
        result = merge(_note(base), _note(local), _note(remote), local_is_later=later, remote_hlc=REMOTE_HLC)
        found.append(
            _merge(
                f"agreement {i + 1}",
                "drawn at random; the result is what the Python implementation computes",
                _note(base),
                _note(local),
                _note(remote),
                result,
                later=later,
                remote_hlc=REMOTE_HLC,
            )
        )
    return found


def build() -> dict[str, Any]:
    with substream("text_merge"):
        agreement = _agreement(120)
    return {
        "text_merge": group_file(
            "text_merge",
            'Cutting a text into units and merging text members word by word (PROTOCOL.md §7, "Merging text").',
            [*UNITS, *MERGES, *agreement],
        )
    }
