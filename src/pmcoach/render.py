"""Terminal rendering for reports (Rich, colour only on a terminal)."""

from __future__ import annotations

from typing import Any

from .rubric import AREAS, SCORE_LABELS, TITLES


def _console(color: bool) -> Any:
    from rich.console import Console

    return Console(no_color=not color, highlight=False, width=None if color else 100)


def render_check(report: Any, color: bool) -> None:
    from rich.table import Table

    con = _console(color)
    if report.mentions:
        t = Table(title="Metrics you named", show_lines=False)
        for col in ("metric", "tier", "vanity", "defined"):
            t.add_column(col)
        for m in report.mentions:
            note = {"rejected": " (dismissed)", "restatement": " (restated)", "context": " (in passing)"}.get(m.role, "")
            t.add_row(
                m.text.strip() if len(m.text.strip()) <= 70 else m.text.strip()[:69].rsplit(" ", 1)[0] + "…",
                m.tier + note,
                "[red]yes[/red]" if m.vanity else ("defensible" if m.defensible else "no"),
                "yes" if m.defined else "no",
            )
        con.print(t)
    else:
        con.print("No metrics found.")
    if report.questions:
        q = Table(title="Diagnostic questions")
        q.add_column("question")
        q.add_column("dimensions")
        for a, b, ds in report.questions:
            q.add_row(report.text[a:b][:70], ", ".join(ds))
        con.print(q)
    if report.pushback:
        con.print("\n[bold]The interviewer would push back:[/bold]")
        for line in report.pushback:
            con.print(f"  - {line}")
    r = Table(title="Rubric", show_lines=True)
    r.add_column("area")
    r.add_column("score")
    r.add_column("evidence (your words)")
    r.add_column("next time")
    for a in AREAS:
        c = report.criteria[a]
        if c.score is None:
            continue
        score = f"{c.score} ({SCORE_LABELS[c.score]})"
        ev = "\n".join(f'"{e.quote.strip()[:90]}"' for e in c.evidence) or "(none)"
        r.add_row(TITLES[a], score, ev, c.advice)
    con.print(r)
    skipped = [TITLES[a] for a in AREAS if report.criteria[a].score is None]
    if skipped:
        con.print("Not assessed: " + ", ".join(skipped))
    for i in report.issues:
        con.print(f"[yellow]note:[/yellow] {i}")
