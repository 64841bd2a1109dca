"""What agents do to an inquiry: acknowledge, reply, wait, resolve, close, reopen, reclassify."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import lifecycle
from .errors import NotFound, PayloadError
from .ids import new_id
from .lifecycle import Action
from .model import Direction, Inquiry, Message
from .ports import InquiryRepository, StaleInquiry


class InquiryService:
    def __init__(self, repository: InquiryRepository) -> None:
        self._repo = repository

    def act(self, inquiry_id: str, action: Action, actor: str, at: datetime, **data: Any) -> Inquiry:
        """Apply one action, retrying on a concurrent change (the action is re-checked each time)."""
        for _attempt in range(3):
            inquiry = self._repo.get(inquiry_id)
            if inquiry is None:
                raise NotFound(f"no inquiry {inquiry_id}")
            message = None
            if action is Action.REPLY:
                text = str(data.get("text") or "").strip()
                if not text:
                    raise PayloadError("a reply needs text")
                message = Message(
                    message_id=new_id(at, "M"),
                    inquiry_id=inquiry_id,
                    direction=Direction.OUTBOUND,
                    channel=inquiry.channel,  # replies go back on the customer's own channel (R5.1)
                    body=text,
                    at=at,
                    author=actor,
                )
                data = {**data, "message_id": message.message_id}
            transition = lifecycle.apply(inquiry, action, at, actor, **data)
            try:
                self._repo.append(transition.inquiry, inquiry.version, transition.events, message)
            except StaleInquiry:
                continue
            return transition.inquiry
        raise StaleInquiry(f"inquiry {inquiry_id} kept changing; try again")
