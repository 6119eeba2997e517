"""What the shared ``text_merge`` vectors cannot carry: texts too large to write into a vector file."""

from support_circle.protocol.merge import merge
from support_circle.protocol.text_merge import MAX_DISTINCT_UNITS, merge_text, units


def test_units_join_back_to_the_text() -> None:
    text = " We met\u00a0at the café\u0301 👩\u200d👧.\n\n我们见面。 \n"
    assert "".join(units(text)) == text


def test_too_many_distinct_words_merge_as_one_value() -> None:
    base = " ".join(f"w{i}" for i in range(MAX_DISTINCT_UNITS + 1))
    local, remote = base + " mine", "theirs " + base
    assert merge_text(base, local, remote, local_is_later=True) is None
    merged = merge({"text": base}, {"text": local}, {"text": remote}, local_is_later=True)
    assert merged == {"text": local, "_conflicts": [{"field": "text", "value": remote}]}


def test_as_many_as_allowed_still_merge_word_by_word() -> None:
    base = " ".join(f"w{i}" for i in range(MAX_DISTINCT_UNITS - 2))
    assert merge_text(base, base + " mine", "theirs " + base, local_is_later=True) == ("theirs " + base + " mine", [])


def test_a_long_text_of_few_distinct_words_merges() -> None:
    base = "a b " * 100_000
    assert merge_text(base, base + "mine", "theirs " + base, local_is_later=True) == ("theirs " + base + "mine", [])
