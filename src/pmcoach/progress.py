"""Progress across sessions: per-area series, a terminal view and an SVG chart."""

from __future__ import annotations

import html
from typing import Any

from .rubric import AREAS, TITLES

_BARS = " ▁▃▅█"


def progress_series(history: list[dict[str, Any]]) -> dict[str, Any]:
    done = [h for h in history if h["status"] == "finished"]
    return {
        "sessions": [{"session_id": h["session_id"], "date": h["date"], "product": h["product"], "overall": h["overall"]}
                     for h in done],
        "areas": {a: [h["scores"].get(a) for h in done] for a in AREAS},
    }


def render_terminal(series: dict[str, Any]) -> str:
    n = len(series["sessions"])
    if not n:
        return "No finished sessions yet: start one with 'pmcoach practice'."
    lines = [f"{'area':32} {'scores, oldest first':24} latest"]
    for a in AREAS:
        vals = series["areas"][a]
        spark = "".join(_BARS[v] if v else "·" for v in vals[-24:])
        latest = next((v for v in reversed(vals) if v), None)
        lines.append(f"{TITLES[a][:32]:32} {spark:24} {latest if latest is not None else '-'}")
    overall = [s["overall"] for s in series["sessions"] if s["overall"] is not None]
    if overall:
        lines.append(f"\nOverall, last {min(5, len(overall))}: " + ", ".join(f"{v:.2f}" for v in overall[-5:]))
    return "\n".join(lines)


def svg_chart(series: dict[str, Any], width: int = 860, height: int = 400) -> str:
    """One line per rubric area and the overall score, sessions (dated) on the x axis."""
    n = len(series["sessions"])
    left, right, top, bottom = 40, 330, 20, 46
    w, h = width - left - right, height - top - bottom
    colours = ["#111111", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#17becf"]

    def x(i: int) -> float:
        return left + (w * i / max(1, n - 1))

    def y(v: float) -> float:
        return top + h - h * (v - 1) / 3

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="12" role="img" aria-label="Scores over time">', '<rect width="100%" height="100%" fill="white"/>']
    for v in (1, 2, 3, 4):
        parts.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + w}" y2="{y(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    lines = [("overall", [s["overall"] for s in series["sessions"]])] + [(a, series["areas"][a]) for a in AREAS]
    for k, (name, vals) in enumerate(lines):
        pts = [(x(i), y(v)) for i, v in enumerate(vals) if v is not None]
        colour = colours[k % len(colours)]
        if len(pts) > 1:
            d = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{d}"/>')
        for px, py in pts:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        label = "Overall" if name == "overall" else TITLES[name]
        width_ = 3 if name == "overall" else 1.5
        parts[-len(pts) - (1 if len(pts) > 1 else 0):] = [
            p.replace('stroke-width="2"', f'stroke-width="{width_}"') for p in parts[-len(pts) - (1 if len(pts) > 1 else 0):]
        ]
        parts.append(f'<text x="{left + w + 12}" y="{top + 18 * k + 10}" fill="{colour}">{html.escape(label[:48])}</text>')
    for i, sess in enumerate(series["sessions"]):
        if n <= 12 or i % max(1, n // 12) == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{top + h + 16}" text-anchor="middle" font-size="10">'
                         f'{html.escape(sess["date"][5:10])}</text>')
    parts.append(f'<text x="{left + w / 2:.0f}" y="{height - 6}" text-anchor="middle">sessions ({n})</text>')
    parts.append("</svg>")
    return "".join(parts)
