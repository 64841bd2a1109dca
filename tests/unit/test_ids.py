from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inquiry_desk.ids import new_id


def test_ids_sort_by_time_and_are_unique() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [new_id(t0 + timedelta(milliseconds=i), "Q") for i in range(200)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 200
    assert all(len(i) == 27 and i.startswith("Q") for i in ids)
    assert len({new_id(t0) for _ in range(100)}) == 100
