from __future__ import annotations

import subprocess
import sys

import pytest
from inquiry_desk.channels.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的订单什么时候发货？订单号 TB20240501123", "zh"),
        ("我的訂單什麼時候發貨", "zh"),
        ("Where is my order? It has been two weeks.", "en"),
        ("注文はいつ届きますか", "ja"),
        ("주문이 언제 도착하나요", "ko"),
        ("Wo ist meine Bestellung? Ich warte seit zwei Wochen.", "de"),
        ("Bonjour, où est ma commande ? Je l'attends depuis deux semaines.", "fr"),
    ],
)
def test_detects_the_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text", [None, "", "   ", "ok", "hi", "12345", "A1234 #99", "https://shop.example.com/a/b", "好"]
)
def test_empty_or_too_short_text_has_no_language(text: str | None) -> None:
    assert detect_language(text) is None


def test_the_model_is_not_loaded_at_import_time() -> None:
    code = "import sys, inquiry_desk.channels.language; print('py3langid' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
