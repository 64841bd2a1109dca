"""A report as a terminal table, CSV rows, and one offline HTML page with inline SVG charts.

Everything shown is escaped: category, team and agent names come from data and are text only.
"""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

from inquiry_desk.reports import metrics as m
from inquiry_desk.reports.building import Report
from inquiry_desk.reports.counting import ALL
from inquiry_desk.reports.settings import ReportPolicy

TABLE_METRICS = (
    "volume",
    "first_response",
    "answered_in_time",
    "sla_acknowledge",
    "sla_first_reply",
    "sla_resolve",
    "resolution_rate",
    "csat",
    "csat_positive",
)


def shown(metric: m.Metric, value: float | None) -> str:
    if value is None:
        return "-"
    if metric.kind == "count":
        return f"{value:.0f}"
    if metric.unit == "s":
        return f"{value / 60:.1f} min" if value >= 120 else f"{value:.0f} s"
    if metric.kind in ("rate", "complement"):
        return f"{100 * value:.1f}%"
    return f"{value:.2f}"


def _columns(policy: ReportPolicy) -> list[m.Metric]:
    by_id = {x.id: x for x in m.catalogue(policy)}
    return [by_id[i] for i in TABLE_METRICS if i in by_id]


def _row_order(report: Report) -> list[str]:
    return [
        ALL,
        *report.dimensions("channel"),
        *report.dimensions("team"),
        *report.dimensions("category"),
        *report.dimensions("agent"),
    ]


def text_table(report: Report, policy: ReportPolicy) -> str:
    cols = _columns(policy)
    header = ["", *(c.id for c in cols)]
    rows = [header]
    for dim in _row_order(report):
        figures = report.figures(policy, dim)
        rows.append([dim, *(shown(c, figures[c.id]) for c in cols)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [f"{report.period} report {report.start} .. {report.end} ({policy.time_zone})"]
    for n, r in enumerate(rows):
        lines.append(
            "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True)))
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    figures = report.figures(policy)
    lines.append("")
    for metric in m.catalogue(policy):
        if metric.id in TABLE_METRICS:
            continue
        flag = metric.meets_target(figures[metric.id])
        mark = "" if flag is None else ("  ok" if flag else f"  BELOW TARGET {shown(metric, metric.target)}")
        lines.append(f"{metric.title}: {shown(metric, figures[metric.id])}{mark}")
    for f in report.flags:
        lines.append(f"FLAG {f['flag']}: {f['dimension']} - {f['why']}")
    return "\n".join(lines)


def csv_text(report: Report, policy: ReportPolicy) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "start", "end", "dimension", "metric", "value", "formula"])
    catalogue = m.catalogue(policy)
    for dim in _row_order(report):
        figures = report.figures(policy, dim)
        for metric in catalogue:
            value = figures[metric.id]
            writer.writerow(
                [
                    report.period,
                    report.start,
                    report.end,
                    dim,
                    metric.id,
                    "" if value is None else f"{value:.6g}",
                    metric.formula,
                ]
            )
    return out.getvalue()


def _bars(title: str, pairs: list[tuple[str, float]], fmt: Any = lambda v: f"{v:.0f}") -> str:
    width, bar_h, gap, label_w = 640, 18, 6, 170
    top = max((v for _, v in pairs), default=0) or 1
    h = 30 + len(pairs) * (bar_h + gap)
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{h}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(pairs):
        y = 28 + i * (bar_h + gap)
        w = int((width - label_w - 70) * value / top)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="#3b73b9"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + 13}" font-size="12">{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _line(title: str, points: list[tuple[str, float]]) -> str:
    width, height, pad = 640, 200, 30
    top = max((v for _, v in points), default=0) or 1
    step = (width - 2 * pad) / max(len(points) - 1, 1)
    xy = [(pad + i * step, height - pad - (height - 2 * pad) * v / top) for i, (_, v) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
        f'<polyline fill="none" stroke="#3b73b9" stroke-width="2" points="{path}"/>',
    ]
    for (label, v), (x, y) in zip(points, xy, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#3b73b9"><title>{escape(label)}: {v:.0f}</title></circle>'
        )
    if points:
        parts.append(f'<text x="{pad}" y="{height - 8}" font-size="11">{escape(points[0][0])}</text>')
        parts.append(f'<text x="{width - pad - 70}" y="{height - 8}" font-size="11">{escape(points[-1][0])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html_page(report: Report, policy: ReportPolicy, drills: dict[str, list[str]] | None = None) -> str:
    """One self-contained page (no scripts, no external resources): tables and inline SVG charts."""
    cols = _columns(policy)
    title = f"Inquiry Desk {report.period} report {report.start} - {report.end}"
    head = "".join(f"<th>{escape(c.title)}</th>" for c in cols)
    body_rows = []
    for dim in _row_order(report):
        figures = report.figures(policy, dim)
        cells = []
        for c in cols:
            value = figures[c.id]
            ok = c.meets_target(value)
            cls = "" if ok is None else (' class="ok"' if ok else ' class="below"')
            cells.append(f"<td{cls}>{escape(shown(c, value))}</td>")
        body_rows.append(f"<tr><th>{escape(dim)}</th>{''.join(cells)}</tr>")
    figures = report.figures(policy)
    catalogue = "".join(
        f"<tr><td>{escape(x.title)}</td><td>{escape(shown(x, figures[x.id]))}</td>"
        f"<td>{escape('' if x.target is None else shown(x, x.target))}</td><td><code>{escape(x.formula)}</code></td>"
        f"<td>{escape(x.requirement)}</td></tr>"
        for x in m.catalogue(policy)
    )
    volume = m.metric(policy, "volume")
    channels = [(d.removeprefix("channel#"), volume.value(report.rows[d]) or 0.0) for d in report.dimensions("channel")]
    first = m.metric(policy, "first_response")
    response = [
        (d.removeprefix("channel#"), (first.value(report.rows[d]) or 0.0) / 60) for d in report.dimensions("channel")
    ]
    trend = [(d, float(r.get(m.RECEIVED, 0))) for d, r in sorted(report.days.items())]
    flags = "".join(
        f"<li><b>{escape(f['flag'])}</b> {escape(f['dimension'])}: {escape(f['why'])}</li>" for f in report.flags
    )
    links = "".join(
        f"<li><details><summary>{escape(label)}: {len(ids)}</summary>{escape(', '.join(ids))}</details></li>"
        for label, ids in (drills or {}).items()
    )
    charts = _bars("Inquiries per channel", channels) + _bars(
        "Average first response per channel (minutes)", response, lambda v: f"{v:.1f}"
    )
    if len(trend) > 1:
        charts += _line("Inquiries received per day", trend)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}th{{text-align:left}}.below{{background:#fde2e2}}
.ok{{background:#e3f6e3}}svg{{display:block;margin:1em 0}}</style></head><body>
<h1>{escape(title)}</h1><p>Days in {escape(policy.time_zone)}; every inquiry counts on the day it was received.</p>
<table><thead><tr><th></th>{head}</tr></thead><tbody>{"".join(body_rows)}</tbody></table>
{charts}
{f"<h2>Flags</h2><ul>{flags}</ul>" if flags else ""}
<h2>Every metric</h2><table><thead><tr><th>metric</th><th>value</th><th>target</th><th>formula</th><th>req.</th>
</tr></thead><tbody>{catalogue}</tbody></table>
{f"<h2>Behind the figures</h2><ul>{links}</ul>" if links else ""}
</body></html>
"""
