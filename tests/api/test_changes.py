from fastapi.testclient import TestClient

from support_circle.protocol import primitives, records
from support_circle.protocol.encoding import b64u
from tests.api.helpers import Member, SharedCircle, change, record, signed_in


def _circle(client: TestClient) -> tuple[SharedCircle, object]:
    admin, ally = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    return circle, ally


def test_push_and_pull_round_trip(client: TestClient) -> None:
    circle, ally = _circle(client)
    admin = circle.admin
    envelope = record(admin, circle, {"kind": "note", "text": "hello"})
    pushed = admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(envelope)]})
    assert pushed.json() == {"seqs": [1]}
    page = ally.get(f"/v1/circles/{circle.cid}/changes", params={"since": 0}).json()  # type: ignore[attr-defined]
    assert (page["cursor"], page["done"]) == (1, True)
    assert page["data"][0]["envelope"] == envelope
    opened = records.open_record(page["data"][0]["envelope"], circle.keys, circle.state.authors_of(0))
    assert opened["body"]["text"] == "hello"


def test_a_retried_push_is_applied_once(client: TestClient) -> None:
    circle, _ = _circle(client)
    body = {"changes": [change(record(circle.admin, circle, {"n": 1})), change(record(circle.admin, circle, {"n": 2}))]}
    first = circle.admin.post(f"/v1/circles/{circle.cid}/changes", body).json()
    again = circle.admin.post(f"/v1/circles/{circle.cid}/changes", body).json()
    assert first == again == {"seqs": [1, 2]}
    assert len(circle.admin.get(f"/v1/circles/{circle.cid}/changes").json()["data"]) == 2


def test_a_change_id_reused_for_other_data_is_a_conflict(client: TestClient) -> None:
    circle, _ = _circle(client)
    first = change(record(circle.admin, circle, {"n": 1}))
    circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [first]})
    reused = {**first, "envelope": record(circle.admin, circle, {"n": 2})}
    response = circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [reused]})
    assert (response.status_code, response.json()["code"]) == (409, "change_id_reused")


def test_a_stale_base_rejects_the_whole_batch_and_names_the_record(client: TestClient) -> None:
    circle, ally = _circle(client)
    record_id = primitives.random_bytes(16)
    base = circle.admin.post(
        f"/v1/circles/{circle.cid}/changes", {"changes": [change(record(circle.admin, circle, {"v": 1}, record_id))]}
    ).json()["seqs"][0]
    circle.admin.post(
        f"/v1/circles/{circle.cid}/changes",
        {"changes": [change(record(circle.admin, circle, {"v": 2}, record_id), base)]},
    )
    fresh = change(record(ally, circle, {"other": True}))
    stale = change(record(ally, circle, {"v": "ally"}, record_id), base)
    response = ally.post(f"/v1/circles/{circle.cid}/changes", {"changes": [fresh, stale]})
    assert (response.status_code, response.json()["code"]) == (409, "stale_base")
    assert response.json()["details"] == [
        {"change_id": stale["change_id"], "record_id": b64u(record_id), "base_seq": base, "current_seq": base + 1}
    ]
    assert len(ally.get(f"/v1/circles/{circle.cid}/changes").json()["data"]) == 2, "nothing of the batch applied"


def test_two_revisions_of_one_record_in_one_batch(client: TestClient) -> None:
    circle, _ = _circle(client)
    record_id = primitives.random_bytes(16)
    first = change(record(circle.admin, circle, {"v": 1}, record_id))
    second = change(record(circle.admin, circle, {"v": 2}, record_id), base_seq=1)
    assert circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [first, second]}).json() == {
        "seqs": [1, 2]
    }


def test_after_a_removal_the_old_epoch_is_refused(client: TestClient) -> None:
    circle, ally = _circle(client)
    before = record(ally, circle, {"written": "offline, before the removal"})
    circle.remove(ally)
    response = circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(before)]})
    assert (response.status_code, response.json()["code"]) == (409, "stale_epoch")
    assert (
        circle.admin.post(
            f"/v1/circles/{circle.cid}/changes", {"changes": [change(record(circle.admin, circle, {"ok": 1}))]}
        ).status_code
        == 200
    )
    assert ally.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(before)]}).status_code == 404


def test_pull_pages_with_a_cursor(client: TestClient) -> None:
    circle, ally = _circle(client)
    batch = {"changes": [change(record(circle.admin, circle, {"n": n})) for n in range(5)]}
    circle.admin.post(f"/v1/circles/{circle.cid}/changes", batch)
    seen, since, done = [], 0, False
    while not done:
        page = ally.get(f"/v1/circles/{circle.cid}/changes", params={"since": since, "limit": 2}).json()  # type: ignore[attr-defined]
        seen += [c["seq"] for c in page["data"]]
        since, done = page["cursor"], page["done"]
    assert seen == [1, 2, 3, 4, 5]


def test_each_page_carries_the_circles_counters_read_with_it(client: TestClient) -> None:
    """One request a pull (PROTOCOL.md §7, "Pulling"): the counters a client checks before it
    applies a page come with the page, as the circle's own route gives them, empty page or not."""
    circle, ally = _circle(client)
    path = f"/v1/circles/{circle.cid}"
    empty = ally.get(f"{path}/changes").json()  # type: ignore[attr-defined]
    assert (empty["data"], empty["circle"]) == ([], ally.get(path).json())  # type: ignore[attr-defined]
    circle.admin.post(
        f"{path}/changes", {"changes": [change(record(circle.admin, circle, {"n": n})) for n in range(3)]}
    )
    page = ally.get(f"{path}/changes", params={"since": 1, "limit": 1}).json()  # type: ignore[attr-defined]
    assert ([c["seq"] for c in page["data"]], page["done"]) == ([2], False)
    assert page["circle"] == ally.get(path).json()  # type: ignore[attr-defined]
    assert (page["circle"]["change_seq"], page["circle"]["log_seq"]) == (3, circle.state.head.seq)
    stranger = signed_in(client)
    response = stranger.get(f"{path}/changes")  # type: ignore[attr-defined]
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_envelope_for_another_circle_is_refused(client: TestClient) -> None:
    circle, _ = _circle(client)
    envelope = {**record(circle.admin, circle, {"n": 1}), "circle_id": b64u(primitives.random_bytes(16))}
    response = circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(envelope)]})
    assert (response.status_code, response.json()["code"]) == (422, "context_mismatch")


def test_too_many_changes_at_once(client: TestClient) -> None:
    circle, _ = _circle(client)
    envelope = record(circle.admin, circle, {"n": 1})
    response = circle.admin.post(
        f"/v1/circles/{circle.cid}/changes", {"changes": [change(envelope) for _ in range(101)]}
    )
    assert (response.status_code, response.json()["code"]) == (413, "batch_too_large")


def test_a_reader_is_told_who_pushed_only_what_was_written_in_its_epochs(client: TestClient) -> None:
    """So an app can say whose change did not read; a member let in later learns nothing of who
    wrote, or how often, before it came."""
    admin, ally, late = signed_in(client), signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    before = record(admin, circle, {"kind": "note", "text": "before"})
    assert admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(before)]}).status_code == 200
    circle.remove(ally)
    circle.add(ally)
    circle.add(late)
    after = record(ally, circle, {"kind": "note", "text": "after"})
    assert ally.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(after)]}).status_code == 200

    def pushers(member: Member) -> list[str | None]:
        return [c.get("pushed_by") for c in member.get(f"/v1/circles/{circle.cid}/changes").json()["data"]]

    assert pushers(ally) == [admin.device_id, ally.device_id]
    assert pushers(late) == [None, ally.device_id]


def test_a_cursor_beyond_every_change_pulls_nothing_on_every_database(client: TestClient) -> None:
    """The API takes any `since` up to 2^62; PostgreSQL's INTEGER would overflow at 2^31 (a 500)."""
    circle, ally = _circle(client)
    circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(record(circle.admin, circle, {}))]})
    for since in (2**31, 2**62):
        response = ally.get(f"/v1/circles/{circle.cid}/changes", params={"since": since})  # type: ignore[attr-defined]
        assert response.status_code == 200, response.text
        assert response.json()["data"] == []
    # The membership log's cursor, an INTEGER too: past its end is an empty page, beyond its type a 422.
    log = f"/v1/circles/{circle.cid}/log"
    assert circle.admin.get(f"{log}?since={2**31 - 1}").json()["data"] == []
    response = circle.admin.get(f"{log}?since={2**31}")
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
