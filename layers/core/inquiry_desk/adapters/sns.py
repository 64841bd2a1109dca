"""SNS: notices to owners and supervisors (port `Notifier`)."""

from __future__ import annotations

import json
from typing import Any


class SnsNotifier:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic = topic_arn

    def notify(self, kind: str, subject: str, body: dict[str, Any]) -> None:
        self._client.publish(
            TopicArn=self._topic,
            Subject=subject[:99],
            Message=json.dumps({"type": kind, **body}, ensure_ascii=False, default=str),
            MessageAttributes={"type": {"DataType": "String", "StringValue": kind}},
        )
