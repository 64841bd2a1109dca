"""Text as the classifier sees it (R1.4): one spelling for the many ways customers write.

Full-width letters and digits become half-width and compatibility forms are folded (NFKC), case is
folded, traditional Chinese becomes simplified (OpenCC's own dictionaries, through the pure-Python
``opencc-purepy``), and runs of white space become one space. English keywords match on word
boundaries only, so "pair" never matches inside "repair". E-mails lose what the customer did not
write for this message (``strip_quoted``): quoted replies, forwarded parts, signatures after "--" and
mail-app sign-offs ("Sent from my iPhone", 发自我的手机), so a quoted agent reply does not decide.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_QUOTE_START = re.compile(  # everything from this line on is an earlier message, forwarded or quoted
    r"^\s*(-{2,}\s*(original message|forwarded message|原始邮件|原始郵件|邮件原文|message d'origine"
    r"|ursprüngliche nachricht|mensaje original)\s*-{2,}"
    r"|(on|am|le|el)\s.{0,80}(wrote|schrieb|a écrit|escribió)\s*:"
    r"|在.{0,60}(写道|寫道)\s*[:：]?"
    r"|from:\s.*|发件人[:：].*|寄件者[:：].*)\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(  # a mail app's or a company's line, not the customer's words
    r"^\s*(sent from my .*|sent from (outlook|mail) for .*|get outlook for .*|发自我的.*|來自我的.*|来自我的.*"
    r"|從我的.{0,20}傳送|envoyé de mon .*|envoyé depuis .*|gesendet von meinem .*|von meinem .* gesendet"
    r"|enviado desde mi .*|.*(this e-?mail|this message) (and any attachments )?(is|are) confidential.*)\s*$",
    re.IGNORECASE,
)


@cache
def _converter() -> Any:
    """OpenCC traditional -> simplified with only the two dictionaries that needs (characters and
    phrases, ~45 KB), loaded on first use: the full bundle costs ~0.15 s of a cold start."""
    import opencc_purepy
    from opencc_purepy import OpenCC
    from opencc_purepy.dictionary_lib import DictionaryMaxlength

    folder = Path(opencc_purepy.__file__).resolve().parent / "dicts"
    dictionary = DictionaryMaxlength()  # type: ignore[no-untyped-call]  # the library ships no annotations here
    dictionary.ts_characters = DictionaryMaxlength.load_dictionary_maxlength(
        (folder / "TSCharacters.txt").read_text(encoding="utf-8")
    )
    dictionary.ts_phrases = DictionaryMaxlength.load_dictionary_maxlength(
        (folder / "TSPhrases.txt").read_text(encoding="utf-8")
    )
    return OpenCC("t2s", dictionary=dictionary)


def to_simplified(text: str) -> str:
    """Traditional Chinese characters and phrases in their simplified form (others unchanged)."""
    if not _CJK.search(text):
        return text
    converted: str = _converter().convert(text)
    return converted


def strip_quoted(text: str) -> str:
    """The customer's own words: quoted lines ("> ..."), what follows "On ... wrote:", an original or
    forwarded message header or a signature delimiter ("--"), and mail-app sign-offs are dropped.
    A text that would be left empty is kept whole."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_START.match(line) or line.rstrip() == "--":
            break
        if line.lstrip().startswith(">") or _SIGN_OFF.match(line):
            continue
        kept.append(line)
    own = "\n".join(kept).strip()
    return own or text


def normalise(text: str) -> str:
    """NFKC (full/half width), case folded, simplified Chinese, single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", to_simplified(folded)).strip()


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for a list of keywords: Latin words match whole words only (word boundaries,
    so "pair" misses "repair"); Chinese and other unspaced scripts match anywhere."""
    parts: list[str] = []
    for raw in sorted({normalise(k) for k in keywords if k.strip()}, key=len, reverse=True):
        escaped = re.escape(raw)
        left = r"(?<![a-z0-9])" if raw[0].isascii() and raw[0].isalnum() else ""
        right = r"(?![a-z0-9])" if raw[-1].isascii() and raw[-1].isalnum() else ""
        parts.append(f"{left}{escaped}{right}")
    if not parts:
        return None
    return re.compile("|".join(parts))
