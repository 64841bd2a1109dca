"""Timeline event data typed per event type (issue 8 item 4): the fields each event type carries
have one type whatever wrote them (a service, DynamoDB's Decimals, a CLI's strings); anything else
is kept as given; nothing is added to what was written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from inquiry_desk.model import EVENT_DATA, DeadlineMark, EventData, EventType, InquiryEvent, NoteData

AT = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def _event(type_: EventType, **data: Any) -> InquiryEvent:
    return InquiryEvent(inquiry_id="Q1", seq=1, type=type_, at=AT, data=data)


def test_every_event_type_has_a_schema() -> None:
    assert set(EVENT_DATA) == set(EventType)


@pytest.mark.parametrize("episode", [2, Decimal("2"), "2"])
def test_R2_a_deadline_marks_episode_is_an_int_however_it_was_read(episode: object) -> None:
    event = _event(EventType.DEADLINE_BREACHED, kind="resolve", episode=episode, ladder="standard")
    assert event.data == {"kind": "resolve", "episode": 2, "ladder": "standard"}
    assert type(event.data["episode"]) is int
    details = event.details
    assert isinstance(details, DeadlineMark) and (details.kind, details.episode) == ("resolve", 2)


def test_R5_1_a_delivery_notes_attempts_are_an_int_and_unknown_details_are_kept() -> None:
    event = _event(EventType.NOTE, delivery="sent", attempts=Decimal("3"), survey={"score": Decimal("4")})
    assert event.data == {"delivery": "sent", "attempts": 3, "survey": {"score": 4}}
    assert isinstance(event.details, NoteData) and event.details.attempts == 3


def test_nothing_is_added_and_explicit_nones_stay() -> None:
    assert _event(EventType.ACKNOWLEDGED).data == {}
    assert _event(EventType.ASSIGNED, team="orders", owner=None).data == {"team": "orders", "owner": None}


def test_a_close_with_a_satisfaction_typed_as_text_stores_the_number() -> None:
    assert _event(EventType.CLOSED, satisfaction="5").data == {"satisfaction": 5}


def test_a_field_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="episode"):
        _event(EventType.DEADLINE_WARNED, kind="resolve", episode="second")


def test_an_event_round_trips_through_json_unchanged() -> None:
    event = _event(EventType.CLASSIFIED, category="complaint", matched=["投诉"], linked_identities=["phone#+861"])
    again = InquiryEvent.model_validate_json(event.model_dump_json())
    assert again == event
    assert isinstance(again.details, EventData)
