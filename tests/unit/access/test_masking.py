"""Personal data is masked where a payload must be logged (R8.2)."""

from __future__ import annotations

import json

from inquiry_desk.runtime.observability import masked


def test_R8_2_personal_fields_are_erased_at_any_depth_ids_kept() -> None:
    payload = {
        "inquiry_id": "Q01",
        "customer_id": "C01",
        "customer_name": "张伟",
        "contact": "+8613800138000",
        "message": {"text": "我的地址是北京市朝阳区", "sender": {"kind": "phone", "value": "+8613800138000"}},
        "items": [{"order_number": "SO-1", "name": "Li Lei"}],
    }
    out = json.dumps(masked(payload), ensure_ascii=False)
    for personal in ("张伟", "+8613800138000", "北京市朝阳区", "SO-1", "Li Lei"):
        assert personal not in out
    assert '"Q01"' in out and '"C01"' in out
    assert payload["customer_name"] == "张伟"  # the original is untouched
