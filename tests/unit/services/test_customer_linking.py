"""Undoing an automatic link on fakes (R1.3: every merge explained and reversible)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inquiry_desk.errors import Conflict, NotFound
from inquiry_desk.model import Channel, EventType, Identity

from tests.fakes import T0, Desk
from tests.fakes.inbound import inbound

MEMBER = Identity(kind="member", value="VIP-7")
APP_USER = Identity(kind="chat_customer", value="app-9")


def _linked(desk: Desk) -> tuple[str, str, str, str]:
    """web-1 (with member VIP-7) opens one inquiry; app-9 (same member) is linked and opens another;
    then web-1 writes into app-9's inquiry: customer, web-only, app-only and mixed inquiries."""
    intake = desk.intake(join_window=timedelta(0))
    web = intake.receive(inbound(Channel.CHAT, "web-1", "hello", T0, also=(MEMBER,)))
    app = intake.receive(inbound(Channel.CHAT, "app-9", "order?", T0 + timedelta(days=1), also=(MEMBER,)))
    assert app.customer_id == web.customer_id
    mixed = intake.receive(inbound(Channel.CHAT, "app-9", "invoice?", T0 + timedelta(days=2), also=(MEMBER,)))
    intake.receive(
        inbound(
            Channel.CHAT,
            "web-1",
            "same here",
            T0 + timedelta(days=2, minutes=1),
            metadata={"thread_token": f"INQ-{mixed.inquiry_id}"},
        )
    )
    return web.customer_id, web.inquiry_id, app.inquiry_id, mixed.inquiry_id


def test_R1_3_unlink_gives_the_identity_its_own_customer_and_moves_its_inquiries(desk: Desk) -> None:
    customer_id, web_only, app_only, mixed = _linked(desk)
    at = T0 + timedelta(days=3)
    result = desk.customers().unlink(customer_id, APP_USER.key, "supervisor", at, "a different person")
    assert (result.from_customer, result.identity) == (customer_id, APP_USER.key)
    assert result.moved == [app_only] and result.kept == [mixed]
    assert desk.repository.customer_for(APP_USER) == result.to_customer
    assert desk.repository.customer_for(MEMBER) == customer_id  # only the one identity moved
    new = desk.repository.get_customer(result.to_customer)
    assert new is not None and new.identities == [APP_USER]
    old = desk.repository.get_customer(customer_id)
    assert old is not None and APP_USER not in old.identities

    moved = desk.repository.timeline(app_only)
    assert moved is not None and moved.inquiry.customer_id == result.to_customer
    assert moved.events[-1].type is EventType.NOTE
    assert moved.events[-1].data["moved"] == "true" and moved.events[-1].data["reason"] == "a different person"
    kept = desk.repository.timeline(mixed)
    assert kept is not None and kept.inquiry.customer_id == customer_id
    assert kept.events[-1].data["kept"] == "messages from several identities"
    untouched = desk.repository.timeline(web_only)
    assert untouched is not None and untouched.inquiry.customer_id == customer_id
    assert all("unlinked" not in e.data for e in untouched.events)
    assert [i.inquiry_id for i in desk.repository.customer_inquiries(result.to_customer)] == [app_only]


def test_R1_3_after_unlinking_the_identitys_next_message_goes_to_its_own_customer(desk: Desk) -> None:
    customer_id, *_ = _linked(desk)
    result = desk.customers().unlink(customer_id, APP_USER.key, "supervisor", T0 + timedelta(days=3), "not them")
    later = desk.intake().receive(inbound(Channel.CHAT, "app-9", "hi again", T0 + timedelta(days=4)))
    assert later.customer_id == result.to_customer


@pytest.mark.parametrize(
    ("identity_key", "error"),
    [("no-kind-separator", NotFound), ("phone#+10000000000", NotFound), ("chat_customer#web-1", Conflict)],
)
def test_unlink_refuses_what_is_not_this_customers_link(desk: Desk, identity_key: str, error: type) -> None:
    _linked(desk)
    other = desk.intake().receive(inbound(Channel.SMS, "+8613900000000", "hi", T0)).customer_id
    writes = desk.repository.writes
    with pytest.raises(error):
        desk.customers().unlink(other, identity_key, "supervisor", T0, "why")
    assert desk.repository.writes == writes
