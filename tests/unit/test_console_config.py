"""What the console's config.json says about reply windows: the dispatcher's own rules."""

from __future__ import annotations

from inquiry_desk.outbox.decision import reply_windows


def test_reply_windows_are_the_providers_rules_by_default() -> None:
    assert reply_windows({}) == {"wechat": 48, "whatsapp": 24, "messenger": 24, "instagram": 24}


def test_reply_windows_follow_the_dispatcher_settings() -> None:
    windows = reply_windows({"DESK_WINDOW_WECHAT_HOURS": "12", "DESK_WINDOW_INSTAGRAM_HOURS": "0"})
    assert windows["wechat"] == 12 and "instagram" not in windows
