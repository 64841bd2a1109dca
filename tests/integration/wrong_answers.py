"""Customers who were told something wrong: the affected customers of a correction (R6.2), for the
fan-out test and `make bench`."""

from __future__ import annotations

import uuid
from typing import Any

from inquiry_desk.ids import new_id
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import (
    Channel,
    Customer,
    Direction,
    EventType,
    Identity,
    Inquiry,
    InquiryEvent,
    Message,
    utc_now,
)
from inquiry_desk.ports import NewInquiry


def seed_wrong_answers(repository: Any, inquiries: Any, ref: str, customers: int) -> list[str]:
    """`customers` customers, each with an inquiry (stored as intake stores it: one transaction)
    that an agent answered with the content `ref` (the reply writes its lineage).

    Intake itself is not used: its routing reads the team's open queue, which grows with every
    seeded inquiry (seeding 500 through it costs minutes on moto and measures intake, not corrections).
    """
    ids = []
    for n in range(customers):
        at = utc_now()
        sender = Identity(kind="chat_customer", value=f"corr-{uuid.uuid4().hex[:10]}")
        customer = Customer(customer_id=new_id(at, "C"), identities=[sender], created_at=at)
        inquiry = Inquiry(
            inquiry_id=new_id(at, "Q"),
            customer_id=customer.customer_id,
            channel=Channel.CHAT,
            received_at=at,
            description=f"退货期限是多久? #{n}",
            language="zh-CN",
            team="after_sales",  # a team of its own: the 500 open inquiries stay out of the real queues
            updated_at=at,
            event_count=1,
        )
        message = Message(
            message_id=new_id(at, "M"),
            inquiry_id=inquiry.inquiry_id,
            direction=Direction.INBOUND,
            channel=Channel.CHAT,
            body=inquiry.description,
            at=at,
            author=customer.customer_id,
            sender=sender,
        )
        received = InquiryEvent(
            inquiry_id=inquiry.inquiry_id,
            seq=1,
            type=EventType.RECEIVED,
            at=at,
            data={"channel": "chat", "message_id": message.message_id},
        )
        repository.create(NewInquiry(inquiry, message, [received], f"chat#{uuid.uuid4()}", customer, (sender,)))
        inquiries.act(inquiry.inquiry_id, Action.REPLY, "agent-1", at, text="30 天无理由退货", content_ref=ref)
        ids.append(inquiry.inquiry_id)
    return ids
