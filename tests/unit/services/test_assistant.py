"""The bot on fakes: identity before order talk (R8.2), answers from templates with lineage
(R1.8, R10.2), handoff with the dialogue (R1.7), exceptions open urgent inquiries (R10.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inquiry_desk.errors import DeskError
from inquiry_desk.model import Channel, Direction, EventType, Identity, Urgency
from inquiry_desk.orders.identity import answers_verification, disclosed, mask
from inquiry_desk.orders.model import ExceptionKind, Order, OrderException, OrderRecord

from tests.fakes import T0, Desk
from tests.fakes.inbound import inbound

OWNER_PHONE = "+8613800138000"


def _order(number: str = "SO-1001", **changes: object) -> Order:
    body: dict[str, object] = {
        "order_number": number,
        "status": "shipped",
        "phone": OWNER_PHONE,
        "email": "li.lei@example.com",
        "channel_ids": [{"kind": "chat_customer", "value": "owner-1"}],
        "address": "上海市浦东新区世纪大道100号",
        "payment_status": "paid",
        "logistics": {
            "carrier": "SF Express",
            "tracking_number": "SF1234567890",
            "events": [{"at": "2026-03-02T08:00:00Z", "description": "已到达上海转运中心", "location": "上海"}],
        },
        "placed_at": "2026-03-01T02:00:00Z",
        **changes,
    }
    return Order.model_validate(body)


def _say(desk: Desk, sender: str, text: str, channel: Channel = Channel.CHAT, **fields: object) -> str:
    result = desk.intake().receive(inbound(channel, sender, text, desk.clock(), **fields))
    desk.assistant().respond(result.inquiry_id)
    desk.clock.advance(seconds=5)
    return result.inquiry_id


def _bot_texts(desk: Desk, inquiry_id: str) -> list[str]:
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    return [m.body for m in timeline.messages if m.direction is Direction.OUTBOUND and m.author == "bot"]


def _events(desk: Desk, inquiry_id: str, kind: EventType) -> list[dict[str, object]]:
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    return [e.data for e in timeline.events if e.type is kind]


@pytest.fixture
def desk() -> Desk:
    made = Desk()
    made.orders().put(_order())
    return made


def test_owner_gets_status_and_tracking_with_lineage_R1_8_R10_2(desk: Desk) -> None:
    inquiry_id = _say(desk, "owner-1", "where is my order SO-1001?", language="en")
    said = _bot_texts(desk, inquiry_id)
    assert any("SO-1001" in s and "shipped" in s for s in said)
    assert any("SF1234567890" in s for s in said)
    # the scan at 08:00 UTC is told in the customers' zone of the policy (Asia/Shanghai), not in UTC
    assert any("2026-03-02 16:00 上海 已到达上海转运中心" in s for s in said), said
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    refs = [m.content_ref for m in timeline.messages if m.author == "bot"]
    assert refs == ["template:bot.order_status@1", "template:bot.order_tracking@1"]
    assert _events(desk, inquiry_id, EventType.IDENTITY_CHECKED)[-1]["outcome"] == "owner"


def test_owner_answered_in_chinese(desk: Desk) -> None:
    inquiry_id = _say(desk, "owner-1", "我的订单 SO-1001 到哪了", language="zh")
    assert any("已发货" in s for s in _bot_texts(desk, inquiry_id))


def test_stranger_gets_a_verification_question_and_nothing_about_the_order_R8_2(desk: Desk) -> None:
    inquiry_id = _say(desk, "stranger-9", "where is order SO-1001?", language="en")
    said = " ".join(_bot_texts(desk, inquiry_id))
    assert "phone number or e-mail" in said
    for secret in ("shipped", "SF1234567890", "SF Express", "上海", "paid"):
        assert secret not in said
    assert _events(desk, inquiry_id, EventType.IDENTITY_CHECKED)[-1]["outcome"] == "asked"


def test_unknown_order_gets_the_same_question_as_someone_elses_R8_2(desk: Desk) -> None:
    mine = _say(desk, "stranger-9", "where is order SO-1001?", language="en")
    missing = _say(desk, "stranger-8", "where is order SO-9999?", language="en")
    assert _bot_texts(desk, mine) == _bot_texts(desk, missing)


def test_wrong_verification_reveals_nothing_then_hands_off_R8_2(desk: Desk) -> None:
    inquiry_id = _say(desk, "stranger-9", "where is order SO-1001?", language="en")
    _say(desk, "stranger-9", "it is 13800138001", language="en")
    said = " ".join(_bot_texts(desk, inquiry_id))
    assert "does not match" in said
    assert "shipped" not in said and "SF1234567890" not in said
    checks = _events(desk, inquiry_id, EventType.IDENTITY_CHECKED)
    assert checks[-1]["outcome"] == "failed"
    _say(desk, "stranger-9", "+86 138 0013 8002", language="en")  # the second miss: a person takes it
    handed = _events(desk, inquiry_id, EventType.HANDED_OFF)
    assert handed and handed[0]["reason"] == "verification_failed" and handed[0]["identity_verified"] is False
    assert "shipped" not in " ".join(_bot_texts(desk, inquiry_id))


def test_part_of_the_number_is_not_a_verification_R8_2(desk: Desk) -> None:
    order = _order()
    assert answers_verification(order, "138 0013 8000", "86") == "phone"
    assert answers_verification(order, "my number ends 8000", "86") is None
    assert answers_verification(order, "0013 8000", "86") is None
    assert answers_verification(order, "LI.LEI@example.com", "86") == "email"


def test_right_verification_is_recorded_masked_and_answered_R8_2(desk: Desk) -> None:
    inquiry_id = _say(desk, "stranger-9", "where is order SO-1001?", language="en")
    _say(desk, "stranger-9", "138-0013-8000", language="en")
    checks = _events(desk, inquiry_id, EventType.IDENTITY_CHECKED)
    assert checks[-1]["outcome"] == "verified" and checks[-1]["via"] == "phone"
    assert checks[-1]["answer"] == mask(OWNER_PHONE) and "0013" not in str(checks[-1]["answer"])
    assert any("shipped" in s for s in _bot_texts(desk, inquiry_id))


def test_only_recent_order_is_used_without_a_number(desk: Desk) -> None:
    desk.clock.at = T0 + timedelta(days=1)
    inquiry_id = _say(desk, "owner-1", "where is my parcel?", language="en")
    assert any("SO-1001" in s for s in _bot_texts(desk, inquiry_id))


def test_the_order_already_named_is_not_asked_for_again_R1_7(desk: Desk) -> None:
    inquiry_id = _say(desk, "owner-1", "where is my order SO-1001?", language="en")
    _say(desk, "owner-1", "when will it arrive?", language="en")
    said = _bot_texts(desk, inquiry_id)
    assert not any("order number" in s for s in said)
    assert sum("SO-1001" in s for s in said) == 2


@pytest.mark.parametrize("words", ["转人工", "人工客服", "I want a human", "let me talk to an agent", "真人"])
def test_asking_for_a_person_hands_off_with_the_dialogue_R1_7(desk: Desk, words: str) -> None:
    inquiry_id = _say(desk, "owner-1", "where is my order SO-1001?", language="en")
    _say(desk, "owner-1", words)
    handed = _events(desk, inquiry_id, EventType.HANDED_OFF)
    assert len(handed) == 1 and handed[0]["reason"] == "asked_for_person"
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    said_before = {m.message_id for m in timeline.messages if m.author != "bot" or "passing" not in m.body}
    assert set(handed[0]["dialogue"]) <= {m.message_id for m in timeline.messages}  # type: ignore[arg-type]
    assert len(handed[0]["dialogue"]) >= 3 and said_before  # type: ignore[arg-type]
    assert handed[0]["order_number"] == "SO-1001" and handed[0]["identity_verified"] is True
    assert timeline.inquiry.owner is not None  # routed to a person by the usual routing
    assert _bot_texts(desk, inquiry_id)[-1].startswith(("正在为您转接", "We are passing"))


def test_upset_customer_goes_to_a_person_urgent_R1_8(desk: Desk) -> None:
    inquiry_id = _say(desk, "owner-1", "太差了,快递员态度恶劣,我要投诉!")
    handed = _events(desk, inquiry_id, EventType.HANDED_OFF)
    assert handed and handed[0]["reason"] == "upset"
    inquiry = desk.repository.get(inquiry_id)
    assert inquiry is not None and inquiry.urgency is Urgency.URGENT


def test_not_helped_after_two_answers_goes_to_a_person_R1_8(desk: Desk) -> None:
    inquiry_id = _say(desk, "owner-1", "where is my order SO-1001?", language="en")
    _say(desk, "owner-1", "when will order SO-1001 arrive?", language="en")
    assert not _events(desk, inquiry_id, EventType.HANDED_OFF)
    _say(desk, "owner-1", "and the tracking of SO-1001 again?", language="en")
    handed = _events(desk, inquiry_id, EventType.HANDED_OFF)
    assert handed and handed[0]["reason"] == "not_helped" and handed[0]["bot_answers"] == 2


def test_after_handoff_the_bot_never_asks_again_R1_7(desk: Desk) -> None:
    inquiry_id = _say(desk, "stranger-9", "where is order SO-1001?", language="en")
    _say(desk, "stranger-9", "转人工")
    before = len(_bot_texts(desk, inquiry_id))
    _say(desk, "stranger-9", "hello? where is order SO-1001?", language="en")
    _say(desk, "stranger-9", "13800138000")
    assert len(_bot_texts(desk, inquiry_id)) == before
    assert len(_events(desk, inquiry_id, EventType.HANDED_OFF)) == 1


def test_a_question_the_bot_does_not_answer_goes_to_a_person(desk: Desk) -> None:
    inquiry_id = _say(desk, "owner-1", "do you have this jacket in XL? what is the fabric?", language="en")
    handed = _events(desk, inquiry_id, EventType.HANDED_OFF)
    assert handed and handed[0]["reason"] == "not_an_order_question"


def test_orders_unavailable_hands_off(desk: Desk) -> None:
    from inquiry_desk.orders.ports import OrdersUnavailable

    def down(*_: object, **__: object) -> None:
        raise OrdersUnavailable("the shop's system did not answer")

    desk.orders().order = down  # type: ignore[method-assign]
    inquiry_id = _say(desk, "owner-1", "where is my order SO-1001?", language="en")
    handed = _events(desk, inquiry_id, EventType.HANDED_OFF)
    assert handed and handed[0]["reason"] == "orders_unavailable"


def test_bot_off_says_nothing(desk: Desk) -> None:
    result = desk.intake().receive(inbound(Channel.CHAT, "owner-1", "where is my order SO-1001?", T0))
    turn = desk.assistant(desk.assistant_policy(enabled=False)).respond(result.inquiry_id)
    assert turn.action == "silent" and _bot_texts(desk, result.inquiry_id) == []


def test_email_is_not_a_bot_channel(desk: Desk) -> None:
    result = desk.intake().receive(inbound(Channel.EMAIL, "li.lei@example.com", "where is SO-1001?", T0))
    assert desk.assistant().respond(result.inquiry_id).action == "silent"


# --- agents' replies (R8.2) ----------------------------------------------------------------------
def test_agent_reply_with_order_details_to_a_stranger_is_refused_R8_2(desk: Desk) -> None:
    inquiry_id = desk.intake().receive(inbound(Channel.CHAT, "stranger-9", "where is SO-1001?", T0)).inquiry_id
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    for text in (
        "Your parcel SF1234567890 is in Shanghai",
        "It goes to 上海市浦东新区世纪大道100号",
        "SO-1001 shipped",
    ):
        with pytest.raises(DeskError) as refused:
            desk.order_privacy().check_reply(timeline, text)
        assert refused.value.http_status == 409 and "not verified" in refused.value.reason
    desk.order_privacy().check_reply(timeline, "Could you give us the phone number on the order?")


def test_agent_reply_to_the_owner_or_a_verified_customer_passes_R8_2(desk: Desk) -> None:
    owner = desk.intake().receive(inbound(Channel.CHAT, "owner-1", "where is SO-1001?", T0)).inquiry_id
    timeline = desk.repository.timeline(owner)
    assert timeline is not None
    desk.order_privacy().check_reply(timeline, "SO-1001 is with SF, tracking SF1234567890")
    stranger = _say(desk, "stranger-9", "where is order SO-1001?", language="en")
    _say(desk, "stranger-9", "li.lei@example.com", language="en")
    verified = desk.repository.timeline(stranger)
    assert verified is not None
    desk.order_privacy().check_reply(verified, "SO-1001 is with SF, tracking SF1234567890")


def test_disclosed_details() -> None:
    order = _order()
    assert disclosed(order, "call 138 0013 8000") == ["phone"]
    assert disclosed(order, "nothing here") == []


# --- exceptions (R10.2) --------------------------------------------------------------------------
def test_exception_opens_one_urgent_inquiry_per_order_and_exception_R10_2(desk: Desk) -> None:
    record = OrderRecord.model_validate(
        {
            "status": "received",
            "phone": "138 0013 8000",
            "channel_ids": [{"kind": "chat_customer", "value": "owner-1"}],
            "payment_status": "failed",
            "exception": {"kind": "payment_failed", "detail": "card declined"},
        }
    )
    order = record.to_order("SO-2002", "86")
    assert order.phone == OWNER_PHONE
    fed = desk.order_feed().put(order)
    assert fed.exception_inquiry is not None
    inquiry = desk.repository.get(fed.exception_inquiry)
    assert inquiry is not None and inquiry.urgency is Urgency.URGENT and inquiry.order_number == "SO-2002"
    assert inquiry.team is not None
    again = desk.order_feed().put(order)
    assert again.exception_inquiry == fed.exception_inquiry
    assert len(desk.repository.customer_inquiries(inquiry.customer_id)) == 1
    other = desk.order_feed().put(
        order.model_copy(update={"exception": OrderException(kind=ExceptionKind.OUT_OF_STOCK)})
    )
    assert other.exception_inquiry not in (None, fed.exception_inquiry)


def test_a_national_phone_without_country_code_is_refused() -> None:
    with pytest.raises(ValueError, match="country code"):
        OrderRecord.model_validate({"phone": "13800138000"}).to_order("SO-1", None)


def test_an_overlong_channel_id_is_refused() -> None:
    with pytest.raises(ValueError, match="channel id"):
        OrderRecord.model_validate({"channel_ids": [{"kind": "chat_customer", "value": "x" * 5000}]}).to_order(
            "SO-1", "86"
        )


def test_order_identities_compare_with_channel_identities() -> None:
    order = _order()
    assert Identity(kind="phone", value=OWNER_PHONE) in order.identities()
    assert Identity(kind="chat_customer", value="owner-1") in order.identities()
