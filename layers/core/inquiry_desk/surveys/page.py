"""The survey page (R5.3, R6.3): zh-CN and English, usable on a phone, no script, every
customer-supplied text escaped. Pure: returns HTML strings."""

from __future__ import annotations

from html import escape

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "lang": "zh-CN",
        "title": "满意度调查",
        "intro": "您的问题(编号 {ref})已处理。请花一分钟告诉我们您的感受。",
        "result": "处理结果",
        "resolved": "问题解决了吗?",
        "yes": "已解决",
        "no": "没有解决",
        "score": "满意度(1-5 星)",
        "comment": "意见或建议(可选)",
        "wrong": "我们告诉您的信息有错误吗?请写出错在哪里(可选)",
        "submit": "提交",
        "thanks": "感谢您的评价!",
        "thanks_unhappy": "很抱歉没能让您满意。主管将重新跟进您的问题,并尽快与您联系。",
        "answered": "这份调查已经提交过了,感谢您的反馈。",
        "closed": "这份调查已结束:您的问题已重新处理,新的调查会另行发送。",
        "expired": "该链接已过期。如需帮助,请直接回复我们的消息。",
        "invalid": "该链接无效。请使用我们发送给您的完整链接。",
        "missing": "请选择 1-5 星。",
    },
    "en": {
        "lang": "en",
        "title": "How did we do?",
        "intro": "Your inquiry ({ref}) has been handled. Please take a minute to tell us how it went.",
        "result": "Result",
        "resolved": "Is your problem solved?",
        "yes": "Yes, solved",
        "no": "No, not solved",
        "score": "Satisfaction (1-5 stars)",
        "comment": "Comments (optional)",
        "wrong": "Was anything we told you wrong? Tell us what (optional)",
        "submit": "Send",
        "thanks": "Thank you for your feedback!",
        "thanks_unhappy": "We are sorry we did not get it right. A supervisor will take up your inquiry and "
        "contact you shortly.",
        "answered": "This survey was already answered. Thank you for your feedback.",
        "closed": "This survey is closed: your inquiry was reopened, and you will get a new survey.",
        "expired": "This link has expired. If you need help, simply reply to our message.",
        "invalid": "This link is not valid. Please use the complete link we sent you.",
        "missing": "Please choose 1 to 5 stars.",
    },
}

STYLE = (
    "body{font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;"
    "padding:16px;background:#f6f7f9;color:#1d2733}main{max-width:480px;margin:0 auto;background:#fff;"
    "border-radius:12px;padding:20px;box-shadow:0 1px 4px rgba(0,0,0,.08)}h1{font-size:1.3rem}"
    "fieldset{border:0;padding:0;margin:16px 0}legend{font-weight:600;margin-bottom:8px}"
    ".stars{display:flex;flex-direction:row-reverse;justify-content:flex-end;gap:4px}"
    ".stars input{position:absolute;opacity:0}.stars label{font-size:2.4rem;color:#c9ced6;cursor:pointer;"
    "padding:4px}.stars input:checked~label,.stars label:hover,.stars label:hover~label{color:#f5a623}"
    ".stars input:focus-visible+label{outline:2px solid #2a6df4}"
    "textarea{width:100%;box-sizing:border-box;min-height:80px;font:inherit;padding:8px}"
    "button{width:100%;padding:14px;font-size:1.1rem;border:0;border-radius:8px;background:#2a6df4;"
    "color:#fff}.choice{display:block;padding:8px 0;font-size:1.05rem}.result{background:#f0f3f7;"
    "padding:10px;border-radius:8px;white-space:pre-wrap}.error{color:#b00020}"
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"


def language(preferred: str | None) -> str:
    return "en" if (preferred or "").lower().startswith("en") else "zh"


def _page(lang: str, body: str) -> str:
    t = TEXT[lang]
    return (
        f'<!doctype html><html lang="{t["lang"]}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(t['title'])}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def form(lang: str, reference: str, result: str | None, error: str | None = None) -> str:
    """The survey form; `result` (the agent's resolution) is shown as text."""
    t = TEXT[lang]
    stars = "".join(
        f'<input type="radio" id="s{n}" name="score" value="{n}" required>'
        f'<label for="s{n}" title="{n}" aria-label="{n}">★</label>'
        for n in range(5, 0, -1)
    )
    shown = f'<p><b>{escape(t["result"])}</b></p><p class="result">{escape(result)}</p>' if result else ""
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"<h1>{escape(t['title'])}</h1><p>{escape(t['intro'].format(ref=reference))}</p>{shown}{problem}"
        '<form method="post">'
        f"<fieldset><legend>{escape(t['resolved'])}</legend>"
        f'<label class="choice"><input type="radio" name="resolved" value="yes" checked> {escape(t["yes"])}</label>'
        f'<label class="choice"><input type="radio" name="resolved" value="no"> {escape(t["no"])}</label></fieldset>'
        f'<fieldset><legend>{escape(t["score"])}</legend><div class="stars">{stars}</div></fieldset>'
        f'<fieldset><legend><label for="comment">{escape(t["comment"])}</label></legend>'
        '<textarea id="comment" name="comment" maxlength="2000"></textarea></fieldset>'
        f'<fieldset><legend><label for="wrong">{escape(t["wrong"])}</label></legend>'
        '<textarea id="wrong" name="wrong_info" maxlength="2000"></textarea></fieldset>'
        f'<button type="submit">{escape(t["submit"])}</button></form>'
    )
    return _page(lang, body)


def notice(lang: str, key: str, echo: str | None = None) -> str:
    """A one-message page (thanks, already answered, expired, invalid); `echo` is shown escaped."""
    t = TEXT[lang]
    extra = f'<p class="result">{escape(echo)}</p>' if echo else ""
    return _page(
        lang, f'<h1>{escape(t["title"])}</h1><p id="notice" data-kind="{escape(key)}">{escape(t[key])}</p>{extra}'
    )
