"""The ``merge`` vectors (PROTOCOL.md §7, "Merging concurrent revisions"): every result is
written out by hand from the rules, not computed, so the vectors check the code, not the reverse."""

from typing import Any

from support_circle.protocol.vectors.making import Vector, group_file, vector


def _case(
    name: str, comment: str, base: Any, local: Any, remote: Any, result: Any, later: bool = True, **clocks: str
) -> Vector:
    return vector(name, comment, base=base, local=local, remote=remote, local_is_later=later, **clocks, result=result)


LOCAL_HLC = "1767225600000-0001-bG9jYWwAAAAAAAAAAAAAAA"
REMOTE_HLC = "1767225600000-0000-cmVtb3RlAAAAAAAAAAAAAA"


ALLY = {"name": "Sam", "phone": "021 555", "notes": "kind"}

CASES = [
    _case(
        "different fields",
        "each side's change is kept",
        ALLY,
        {**ALLY, "phone": "021 999"},
        {**ALLY, "notes": "kind, calm"},
        {"name": "Sam", "notes": "kind, calm", "phone": "021 999"},
    ),
    _case(
        "same change on both sides",
        "no conflict when both wrote the same",
        ALLY,
        {**ALLY, "notes": "brave"},
        {**ALLY, "notes": "brave"},
        {**ALLY, "notes": "brave"},
    ),
    _case(
        "same field, local later",
        "the later side wins and the other words stay as a conflict",
        ALLY,
        {**ALLY, "notes": "kind, brave"},
        {**ALLY, "notes": "kind, calm"},
        {**ALLY, "notes": "kind, brave", "_conflicts": [{"field": "notes", "value": "kind, calm"}]},
    ),
    _case(
        "same field, remote later",
        "the same, the other way round",
        ALLY,
        {**ALLY, "notes": "kind, brave"},
        {**ALLY, "notes": "kind, calm"},
        {**ALLY, "notes": "kind, calm", "_conflicts": [{"field": "notes", "value": "kind, brave"}]},
        later=False,
    ),
    _case(
        "field added on one side",
        "a new member survives",
        ALLY,
        {**ALLY, "available": "evenings"},
        ALLY,
        {**ALLY, "available": "evenings"},
    ),
    _case(
        "field removed on one side",
        "a removal the other side did not touch stands",
        ALLY,
        {"name": "Sam", "notes": "kind"},
        ALLY,
        {"name": "Sam", "notes": "kind"},
    ),
    _case(
        "removed here, changed there",
        "a field one side removed and the other changed: the later side's"
        " absence wins and the changed words stay as a conflict",
        ALLY,
        {"name": "Sam", "notes": "kind"},
        {**ALLY, "phone": "022 111"},
        {"name": "Sam", "notes": "kind", "_conflicts": [{"field": "phone", "value": "022 111"}]},
    ),
    _case(
        "changed here, removed there",
        "the later side's new value wins; the removal leaves no conflict",
        ALLY,
        {**ALLY, "phone": "022 111"},
        {"name": "Sam", "notes": "kind"},
        {**ALLY, "phone": "022 111"},
    ),
    _case(
        "both created",
        "a record both sides created (no base) merges field by field",
        None,
        {"text": "mine", "kind": "note"},
        {"text": "theirs", "kind": "note"},
        {"kind": "note", "text": "mine", "_conflicts": [{"field": "text", "value": "theirs"}]},
    ),
    _case(
        "deleted here, edited there",
        "an edit beats a deletion made at the same time",
        ALLY,
        None,
        {**ALLY, "notes": "still here"},
        {**ALLY, "notes": "still here"},
    ),
    _case(
        "edited here, deleted there",
        "the same, the other way round",
        ALLY,
        {**ALLY, "notes": "still here"},
        None,
        {**ALLY, "notes": "still here"},
        later=False,
    ),
    _case("deleted, other side unchanged", "a deletion of a record nobody changed stands", ALLY, None, ALLY, None),
    _case("deleted on both sides", "stays deleted", ALLY, None, None, None),
    _case(
        "nested values compare whole",
        "an object member is one value: a change anywhere in it is a change",
        {"roles": ["supports me"], "contact": {"phone": "1"}},
        {"roles": ["supports me", "facilitator"], "contact": {"phone": "1"}},
        {"roles": ["supports me"], "contact": {"phone": "2"}},
        {"contact": {"phone": "2"}, "roles": ["supports me", "facilitator"]},
    ),
    _case(
        "member order does not count",
        "objects equal in any member order are equal",
        {"contact": {"a": 1, "b": 2}},
        {"contact": {"b": 2, "a": 1}},
        {"contact": {"a": 1, "b": 3}},
        {"contact": {"a": 1, "b": 3}},
    ),
    _case("true is not 1", "values of different JSON types differ", {"ok": 1}, {"ok": True}, {"ok": 1}, {"ok": True}),
    _case(
        "conflicts carry over without repeats",
        "earlier conflicts of both sides are kept once, then the new one",
        {"notes": "a", "_conflicts": [{"field": "notes", "value": "x"}]},
        {"notes": "b", "_conflicts": [{"field": "notes", "value": "x"}, {"field": "notes", "value": "y"}]},
        {"notes": "c", "_conflicts": [{"field": "notes", "value": "x"}]},
        {
            "notes": "b",
            "_conflicts": [
                {"field": "notes", "value": "x"},
                {"field": "notes", "value": "y"},
                {"field": "notes", "value": "c"},
            ],
        },
    ),
    _case(
        "a conflicts member that is not an array",
        "counts as none",
        {"n": 1},
        {"n": 2, "_conflicts": "oops"},
        {"n": 1},
        {"n": 2},
    ),
]


CASES += [
    _case(
        "a conflict says whose words it keeps",
        "given the remote revision's hlc, the entry for its losing value carries it",
        {"notes": "a"},
        {"notes": "b"},
        {"notes": "c"},
        {"notes": "b", "_conflicts": [{"field": "notes", "value": "c", "hlc": REMOTE_HLC}]},
        local_hlc=LOCAL_HLC,
        remote_hlc=REMOTE_HLC,
    ),
    _case(
        "the local side loses, with its hlc",
        "the later remote wins; the entry carries the local revision's hlc",
        {"notes": "a"},
        {"notes": "b"},
        {"notes": "c"},
        {"notes": "c", "_conflicts": [{"field": "notes", "value": "b", "hlc": LOCAL_HLC}]},
        later=False,
        local_hlc=LOCAL_HLC,
        remote_hlc=REMOTE_HLC,
    ),
    _case(
        "the same displaced revision reached by two paths",
        "equal entries, hlc included, are kept once",
        {"notes": "a"},
        {"notes": "b", "_conflicts": [{"field": "notes", "value": "c", "hlc": REMOTE_HLC}]},
        {"notes": "c", "_conflicts": [{"field": "notes", "value": "c", "hlc": REMOTE_HLC}]},
        {"notes": "b", "_conflicts": [{"field": "notes", "value": "c", "hlc": REMOTE_HLC}]},
        remote_hlc=REMOTE_HLC,
    ),
]


def build() -> dict[str, Any]:
    return {"merge": group_file("merge", "Three-way field merge of record bodies (PROTOCOL.md §7).", CASES)}
