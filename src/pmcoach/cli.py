"""Command-line interface: parse arguments, call the core, format the output.

Heavy modules are imported inside the commands so that ``pmcoach --help`` starts fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def _is_tty() -> bool:
    return sys.stdout.isatty()


def _print_markdown(text: str) -> None:
    """Pretty Markdown on a terminal, the plain text anywhere else."""
    if _is_tty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        click.echo(text)


def _notices(lines: list[str]) -> None:
    for n in lines:
        click.echo(f"pmcoach: note: {n}", err=True)


def _bank() -> Any:
    from .kb import load_bank

    bank = load_bank()
    _notices(bank.notices)
    return bank


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(__version__, "-V", "--version", prog_name="pmcoach")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """pmcoach: practise the product-execution PM interview, offline.

    Run with no command to start a mock interview (the same as 'pmcoach practice').
    Add --traceback anywhere to see the full error behind a one-line message.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(practice_cmd)


# ---------------------------------------------------------------- knowledge base


CASE_TYPES = ("tradeoff", "troubleshooting", "launch", "experiment", "prioritization")


@cli.command("scenarios", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--company", metavar="NAME", help="Only this company's products (Meta, Google, Uber...).")
@click.option("--type", "case_type", type=click.Choice(CASE_TYPES),
              help="Only products with follow-up cases of this type, and only those cases.")
def scenarios_cmd(as_json: bool, company: str | None, case_type: str | None) -> None:
    """List the products in the bank by company, with their follow-up cases.

    A case id is neutral (uber-ts-1: Uber's first troubleshooting case) so that reading it
    gives nothing away; pass it to 'pmcoach practice PRODUCT --followup ID'.
    """
    from .kb import company_group

    bank = _bank()
    rows = []

    def names(c: str) -> set[str]:
        # "Google (YouTube)" is Google's and YouTube's; "Salesforce (Slack)" is Salesforce's and Slack's
        main, _, inner = c.partition(" (")
        return {c.lower(), main.strip().lower(), inner.rstrip(")").strip().lower()} - {""}

    entries = [bank.entry(sid) for sid in bank.ids()]  # the compiled index: no scenario is read
    companies = sorted({company_group(e.company) for e in entries}, key=str.lower)
    if company and not any(company.strip().lower() in names(e.company) for e in entries):
        from .errors import InputError

        raise InputError(f"no company {company!r} in the bank; choose one of: {', '.join(companies)}")
    for e in entries:
        if company and company.strip().lower() not in names(e.company):
            continue
        cases = [{"id": cid, "type": kind, "title": title} for cid, kind, title in e.listing
                 if case_type is None or kind == case_type]
        if case_type and not cases:
            continue
        of = {t: [cid for cid, kind, _ in e.listing if kind == t] for t in CASE_TYPES}
        rows.append(
            {
                "id": e.id,
                "product": e.product,
                "company": e.company,
                "kind": e.kind,
                "scope": e.scope,
                "cases": cases,
                "tradeoffs": of["tradeoff"],
                "troubleshooting": of["troubleshooting"],
                "launches": of["launch"],
                "experiments": of["experiment"],
                "prioritizations": of["prioritization"],
                "metrics": e.metrics,
                "source": "user" if not str(bank.sources[e.id]).startswith(_builtin()) else "built-in",
            }
        )
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        click.echo("No product matches.")
        return
    from rich.console import Console
    from rich.table import Table

    n_cases = sum(len(r["cases"]) for r in rows)
    n_features = sum(r["scope"] == "feature" for r in rows)
    table = Table(title=f"{len(rows)} products ({n_features} of them features of a larger product), "
                        f"{n_cases} follow-up cases", show_lines=False)
    for col in ("company", "id", "product", "kind", "follow-up cases"):
        table.add_column(col)
    for co in companies:
        mine = [r for r in rows if company_group(r["company"]) == co]
        for i, r in enumerate(mine):
            counts = ", ".join(f"{sum(c['type'] == t for c in r['cases'])} {t}" for t in CASE_TYPES
                               if any(c["type"] == t for c in r["cases"]))
            kind = f"{r['kind']}, feature" if r["scope"] == "feature" else r["kind"]
            table.add_row(co if i == 0 else "", r["id"], r["product"], kind, counts,
                          end_section=i == len(mine) - 1)
    Console(width=None if _is_tty() else 120).print(table)
    if case_type:
        for r in rows:
            click.echo(f"{r['product']}: " + "; ".join(f"{c['id']} ({c['title']})" for c in r["cases"]))
    click.echo("Case ids: pmcoach scenarios --json or --type TYPE; practise one with "
               "pmcoach practice PRODUCT --followup ID")


def _builtin() -> str:
    from .paths import BUILTIN_SCENARIOS

    return str(BUILTIN_SCENARIOS)


@cli.command("answer", context_settings=CONTEXT)
@click.argument("product")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True,
    help="Markdown for reading, JSON for scripts.",
)
@click.option(
    "--archetype", metavar="KIND",
    help="For a product outside the bank: a guide to this kind of product (marketplace, social, "
    "content, messaging, productivity, commerce, on_demand, fintech, learning, maps). It states no "
    "facts about the product itself.",
)
@click.option("--spoken", is_flag=True,
              help="The spoken version: what a strong candidate would say in the 12 minutes (at most "
                   "1,800 words), instead of the reference document.")
@click.option("--model", "model", metavar="NAME",
              help="For a product outside the bank: let an LLM draft a scenario (validated, saved to your folder, "
                   "labelled as generated) and answer from it.")
def answer_cmd(product: str, fmt: str, archetype: str | None, spoken: bool, model: str | None) -> None:
    """Print the model answer for PRODUCT in the framework's six parts.

    PRODUCT is a product in the bank, by its name, id or a true synonym: "fb groups",
    "facebook-groups" and "Groups" all find Facebook Groups. A name that is not in the bank
    ("Uber Eats") is an error that lists the closest products; it is never answered with a
    neighbouring product. JSON output carries the reference answer and, under "spoken", the
    spoken version.
    """
    from .answer import (
        answer_with_spoken,
        build_answer,
        build_guide,
        render_guide_markdown,
        render_markdown,
        render_spoken_markdown,
    )
    from .errors import InputError, UnknownProductError

    bank = _bank()
    try:
        src: Any = bank.find(product)
        data = answer_with_spoken(src, bank.spoken(src.id))
        if archetype:
            click.echo(f"pmcoach: note: {src.product} is in the bank, so --archetype is not used", err=True)
    except UnknownProductError as missing:
        if model and not archetype:
            from .paths import user_scenarios

            assist = _assist(model)
            click.echo(f"Drafting a scenario for {product} with {assist.backend.label}...", err=True)
            path, drafted = assist.draft_scenario(product, user_scenarios())
            click.echo(f"pmcoach: note: saved the generated draft to {path}: review it", err=True)
            data = build_answer(drafted)
            data["generated_by"] = drafted.generated_by
            data["notice"] = f"GENERATED by {drafted.generated_by}: a draft, not a vetted answer."
            if fmt == "json":
                _emit_json(data)
            else:
                _print_markdown(f"> {data['notice']}\n\n" + render_markdown(data))
            return
        if not archetype:
            raise UnknownProductError(missing.name, missing.suggestions,
                                      "or pass --archetype KIND for a guide to this kind of product, or --model NAME "
                                      "for a draft", ids=missing.ids, use="pmcoach answer") from None
        from .kb import load_archetypes

        kinds = load_archetypes()
        key = archetype.strip().lower().replace("-", "_").replace("/", "_")
        key = {"community": "social", "media": "content", "saas": "productivity",
               "ondemand": "on_demand", "education": "learning"}.get(key, key)
        if key not in kinds:
            raise InputError(
                f"unknown archetype {archetype!r}; choose one of: {', '.join(sorted(kinds))}"
            ) from None
        if kinds[key].guide is None:
            raise InputError(f"the {key} archetype has no guide yet") from None
        guide = build_guide(kinds[key], product)
        if fmt == "json":
            _emit_json(guide)
        else:
            _print_markdown(render_guide_markdown(guide))
        return
    if spoken:
        if data.get("spoken") is None:
            raise InputError(f"{data['product']} has no spoken version yet; the reference answer is "
                             f"'pmcoach answer {data.get('id', product)}'")
        if fmt == "json":
            _emit_json({"id": data.get("id"), "product": data["product"], "spoken": data["spoken"]})
        else:
            _print_markdown(render_spoken_markdown(data["product"], data["spoken"]))
        return
    if fmt == "json":
        _emit_json(data)
    else:
        _print_markdown(render_markdown(data))


@cli.command("prompt", context_settings=CONTEXT)
@click.argument("product")
def prompt_cmd(product: str) -> None:
    """Print a prompt that makes a general chatbot play this interviewer for PRODUCT."""
    from .prompt import chatbot_prompt

    click.echo(chatbot_prompt(_bank().find(product)))


@cli.group("scenario", context_settings=CONTEXT)
def scenario_group() -> None:
    """Write and check your own scenarios (kept in PMCOACH_HOME/scenarios)."""


@scenario_group.command("validate", context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_cmd(files: tuple[Path, ...]) -> None:
    """Check scenario FILES against the schema and the content lint."""
    from .errors import PmcoachError
    from .kb import validate_file

    bad = 0
    for f in files:
        try:
            s, problems = validate_file(f)
        except PmcoachError as e:
            click.echo(f"pmcoach: error: {e}", err=True)
            bad += 1
            continue
        for p in problems:
            click.echo(f"pmcoach: error: {f}: {p}", err=True)
        if problems:
            bad += 1
        else:
            click.echo(f"{f}: ok ({s.id}, {len(s.metrics)} metrics)")
    if bad:
        sys.exit(2)


@scenario_group.command("schema", context_settings=CONTEXT)
def schema_cmd() -> None:
    """Print the scenario JSON Schema (point your editor's YAML plugin at it)."""
    from .kb import scenario_schema

    _emit_json(scenario_schema())


@scenario_group.command("lint", context_settings=CONTEXT)
def lint_cmd() -> None:
    """Lint the whole bank, built-in and yours."""
    bank = _bank()
    problems = bank.lint()
    for p in problems:
        click.echo(f"pmcoach: error: {p}", err=True)
    if problems:
        sys.exit(2)
    click.echo(f"ok: {len(bank.scenarios)} scenarios, {len(bank.cases())} follow-up cases")


@cli.command("paths", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def paths_cmd(as_json: bool) -> None:
    """Show where pmcoach keeps its data (set PMCOACH_HOME to move it)."""
    from .paths import all_paths

    p = {k: str(v) for k, v in all_paths().items()}
    if as_json:
        _emit_json(p)
    else:
        for k, v in p.items():
            click.echo(f"{k:18} {v}")


# ---------------------------------------------------------------- analysis


def _read_input(source: str | None) -> str:
    """Text from a file, or from stdin for '-' or no argument."""
    from .errors import InputError

    if source in (None, "-"):
        if source is None and sys.stdin.isatty():
            raise InputError("give a FILE, or pipe text in (e.g. pmcoach check - < answer.md)")
        data = sys.stdin.buffer.read()
        name = "standard input"
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{source}: is a directory") from None
        except OSError as e:
            raise InputError(f"{source}: cannot read: {e.strerror}") from None
        name = source
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file, not text")
    return data.decode("utf-8", errors="replace")


@cli.command("check", context_settings=CONTEXT)
@click.argument("source", required=False, metavar="[FILE|-]")
@click.option("--product", "-p", help="Product whose metric catalog to use (e.g. 'Facebook Groups').")
@click.option(
    "--mode", type=click.Choice(["answer", "tradeoff", "troubleshooting"]), default="answer",
    show_default=True, help="What the text answers: the main question, a trade-off, or a troubleshooting game.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def check_cmd(source: str | None, product: str | None, mode: str, as_json: bool) -> None:
    """Analyse an answer: metrics (tier, vanity), pushback and rubric scores with evidence.

    Reads FILE, or standard input with '-'. Works offline and gives the same result for
    the same text every time.
    """
    from .analysis import analyse

    text = _read_input(source)
    scenario = _bank().find(product) if product else None
    report = analyse(text, scenario, mode)  # type: ignore[arg-type]
    if as_json:
        _emit_json(report.to_json())
        return
    from .render import render_check

    render_check(report, color=_is_tty())


# ---------------------------------------------------------------- the interview


def _assist(model: str | None) -> Any:
    """The guarded LLM helper for --model (or the configured default), or None."""
    from .llm import Assist, backend

    b = backend(model)
    return Assist(b) if b is not None else None


def _coach(model: str | None = None, use_llm: bool = False) -> Any:
    from .coach import Coach
    from .store import open_store

    return Coach(open_store(), _bank(), assist=_assist(model) if (model or use_llm) else None)


MODEL_HELP = ("An LLM to word the interviewer and feedback (e.g. ollama:llama3.1, openai:gpt-4o-mini, "
              "llm:claude-3.5-sonnet, or a name from config.toml). See 'pmcoach models'.")


@cli.command("practice", context_settings=CONTEXT)
@click.argument("product", required=False)
@click.option("--followup", "followup", metavar="CASE_ID", help="Start directly at this follow-up case.")
@click.option("--timed", is_flag=True, help="A 45-minute interview with the usual split and a clock.")
@click.option("--script", "script", type=click.Path(path_type=Path, dir_okay=False),
              help="Run non-interactively from a file of candidate turns separated by lines holding only '---'.")
@click.option("--json", "as_json", is_flag=True, help="With --script: print one JSON document.")
@click.option("--model", "model", metavar="NAME", help=MODEL_HELP)
def practice_cmd(product: str | None = None, followup: str | None = None, timed: bool = False,
                 script: Path | None = None, as_json: bool = False, model: str | None = None) -> None:
    """Run a mock product-execution interview.

    Without PRODUCT, pmcoach picks the product you have practised least, or a follow-up that
    trains your weakest area. Type over several lines and send with an empty line; /help
    lists the commands (/hint, /skip, /time, /quit). Every turn is saved as you go.
    """
    from .errors import InputError

    coach = _coach(model, use_llm=True)
    if script is not None:
        try:
            raw = script.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{script}: no such file") from None
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"{script}: cannot read: {e}") from None
        turns = _split_script(raw)
        if not turns:
            raise InputError(f"{script}: no candidate turns (separate turns with a line holding only '---')")
        started = coach.start(product, followup, timed)
        sid = started.session_id
        used = 0
        quit_early = False
        notices = []
        for i, t in enumerate(turns, start=1):
            _row, iv, _ = coach.interview(sid)
            if iv.finished:
                break
            reply = coach.say(sid, t, at=60.0 * i)
            used = i
            llm = reply.analysis.get("llm") or {}
            if llm.get("notice"):
                notices.append(llm["notice"])
            if reply.kind == "quit":
                quit_early = True
                break
        if used < len(turns):
            why = "after /quit" if quit_early else "after the interview ended"
            click.echo(f"pmcoach: note: {len(turns) - used} script turn(s) {why} were not used", err=True)
        if notices:
            click.echo(f"pmcoach: note: {len(notices)} reply(ies) came from the built-in interviewer: {notices[0]}",
                       err=True)
        row = coach.store.session(sid)
        if quit_early:
            fb = coach.feedback(sid)  # interim: the session stays resumable
        else:
            fb = row.feedback if row.status == "finished" and row.feedback else coach.finish(sid)
        doc = {
            "session_id": sid,
            "scenario": started.scenario.id,
            "status": coach.store.session(sid).status,
            "turns": [{"role": t.role, "stage": t.stage, "text": t.text, "analysis": t.analysis}
                      for t in coach.store.turns(sid)],
            "feedback": fb,
        }
        if as_json:
            _emit_json(doc)
        else:
            for t in doc["turns"]:
                who = "Interviewer" if t["role"] == "interviewer" else "You"
                click.echo(f"[{t['stage']}] {who}: {t['text']}\n")
            from .feedback import render_markdown

            _print_markdown(render_markdown(fb))
        return
    if as_json:
        raise InputError("--json goes with --script")
    started = coach.start(product, followup, timed)
    if started.why:
        click.echo(f"Picked {started.scenario.product}: {started.why}.", err=True)
    _interactive(coach, started.session_id, started.replies)


def _split_script(raw: str) -> list[str]:
    turns: list[str] = []
    cur: list[str] = []
    for line in raw.splitlines():
        if line.strip() == "---":
            turns.append("\n".join(cur).strip())
            cur = []
        else:
            cur.append(line)
    turns.append("\n".join(cur).strip())
    return [t for t in turns if t]


@cli.command("resume", context_settings=CONTEXT)
@click.argument("session_id", required=False)
@click.option("--model", "model", metavar="NAME", help=MODEL_HELP)
def resume_cmd(session_id: str | None, model: str | None) -> None:
    """Continue an interrupted interview (the latest one without an ID)."""
    from .errors import InputError

    coach = _coach(model, use_llm=True)
    if session_id is None:
        row = coach.latest_unfinished()
        if row is None:
            raise InputError("no unfinished interview to resume (see 'pmcoach history')")
        session_id = row.id
    row, iv, turns = coach.interview(session_id)
    if row.status == "finished":
        raise InputError(f"session {session_id} is finished: see 'pmcoach feedback {session_id}'")
    from .engine import Reply

    last = [t for t in turns if t.role == "interviewer"
            and t.analysis.get("kind") not in ("quit", "help", "time", "hint")][-1:]
    said = sum(1 for t in turns if t.role == "candidate" and not t.text.startswith("/"))
    click.echo(f"Resuming session {session_id} ({said} answers so far).")
    replies = [Reply(t.text, t.stage, "ask") for t in last]
    _interactive(coach, session_id, replies)


def _interactive(coach: Any, sid: str, replies: list[Any]) -> None:
    from rich.console import Console

    con = Console(highlight=False, no_color=not _is_tty())
    con.print(f"[dim]Session {sid}. Send with an empty line; /help for commands; /quit to leave (it's saved).[/dim]")
    for r in replies:
        _show_reply(con, r)
    while True:
        row, iv, _ = coach.interview(sid)
        if iv.finished:
            break
        clock = (time_now() - row.created_at) / 60
        left = iv.budget_left(time_now() - row.created_at)
        tag = f"{iv._stage_name()} {clock:.0f}m" + (f", {max(0, left) / 60:.0f}m left" if left is not None else "")
        try:
            text = _read_turn(con, tag)
        except (EOFError, KeyboardInterrupt):
            con.print(f"\n[dim]Saved. Resume with: pmcoach resume {sid}[/dim]")
            return
        if not text:
            continue
        from .engine import MAX_CHARS

        if len(text) > MAX_CHARS:
            # too long for one turn: keep it, say so, and let the candidate send it in parts
            draft = _save_draft(sid, text)
            con.print(f"[bold red]That's {len(text):,} characters; one turn holds up to {MAX_CHARS:,}.[/bold red] "
                      f"Nothing was sent and nothing is lost: your text is saved in {draft}. "
                      "Send it in two or more parts.")
            continue
        if coach.assist is not None:
            streamed: list[str] = []

            def token(piece: str, streamed: list[str] = streamed) -> None:
                if not streamed:
                    con.print("[bold]Interviewer[/bold]: ", end="")
                streamed.append(piece)
                con.out(piece, end="", highlight=False)
                con.file.flush()

            reply = coach.say(sid, text, on_token=token)
            llm = reply.analysis.get("llm") or {}
            if streamed:
                con.print()
                if not llm.get("used"):
                    con.print(f"[dim](not used: {llm.get('notice')})[/dim]")
                    _show_reply(con, reply)
                else:
                    con.print()
            else:
                if llm.get("notice"):
                    con.print(f"[dim]note: {llm['notice']}[/dim]")
                _show_reply(con, reply)
        else:
            reply = coach.say(sid, text)
            _show_reply(con, reply)
        if reply.kind == "quit":
            con.print(f"[dim]Resume with: pmcoach resume {sid}[/dim]")
            return
        if reply.kind == "end":
            break
    from .feedback import render_markdown

    fb = coach.store.session(sid).feedback or coach.finish(sid)
    _print_markdown(render_markdown(fb))
    con.print(f"[dim]Saved as {sid}: pmcoach feedback {sid} --format html > feedback.html[/dim]")


def _save_draft(sid: str, text: str) -> Path:
    import time

    from .paths import home

    folder = home() / "drafts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sid}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def time_now() -> float:
    import time

    return time.time()


_PROMPT: list[Any] = []  # one prompt_toolkit session per process (it keeps the history)


def _tty_prompt() -> Any:
    """A multi-line prompt: Enter on an empty line (or Alt-Enter) sends, a /command sends at
    once, Ctrl-D sends what is typed (and leaves when nothing is), and pastes of any size and
    any number of lines arrive whole (bracketed paste; the terminal's 4,095-character
    canonical-mode line limit does not apply, as input is read in raw mode)."""
    if _PROMPT:
        return _PROMPT[0]
    from prompt_toolkit import PromptSession
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @kb.add("enter")
    def _enter(event: Any) -> None:
        buf = event.current_buffer
        text = buf.text
        if text.strip().startswith("/") and "\n" not in text.strip():
            buf.validate_and_handle()
        elif text.strip() and buf.document.is_cursor_at_the_end and not buf.document.current_line.strip():
            buf.text = text.rstrip()
            buf.validate_and_handle()
        elif text.strip():
            buf.insert_text("\n")

    @kb.add("escape", "enter")
    def _send(event: Any) -> None:
        if event.current_buffer.text.strip():
            event.current_buffer.validate_and_handle()

    @kb.add("c-d")
    def _eof(event: Any) -> None:
        buf = event.current_buffer
        if buf.text.strip():
            buf.validate_and_handle()  # typed but unsent text is sent, not thrown away
        else:
            event.app.exit(exception=EOFError())

    _PROMPT.append(PromptSession(key_bindings=kb, multiline=True))
    return _PROMPT[0]


def _read_turn(con: Any, tag: str) -> str:
    con.print(f"[bold cyan]You[/bold cyan] [dim]({tag})[/dim]:")
    if sys.stdin.isatty() and sys.stdout.isatty():
        return str(_tty_prompt().prompt("> ", prompt_continuation="  ")).strip()
    lines: list[str] = []
    while True:
        line = input("> " if not lines else "  ")
        if not lines and line.strip().startswith("/"):
            return line.strip()
        if not line.strip():
            if lines:
                return "\n".join(lines).strip()
            continue
        lines.append(line)


def _show_reply(con: Any, r: Any) -> None:
    style = {"pushback": "bold red", "probe": "yellow", "fact": "green", "hint": "magenta"}.get(r.kind, "bold")
    con.print(f"[{style}]Interviewer[/{style}] [dim]({r.stage})[/dim]: {r.text}\n", markup=True)


@cli.command("feedback", context_settings=CONTEXT)
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE instead of stdout.")
@click.option("--model", "model", metavar="NAME", help="Add prose feedback from an LLM (scores change only with checked evidence).")
def feedback_cmd(session_id: str, fmt: str, output: Path | None, model: str | None) -> None:
    """Feedback for a session: rubric scores with your words as evidence, and what to drill next.

    The HTML report is one self-contained file with a chart.
    """
    from .feedback import render_html, render_markdown

    coach = _coach(model)
    row = coach.store.session(session_id)
    fb = row.feedback if row.status == "finished" and row.feedback else coach.feedback(session_id)
    if coach.assist is not None:
        scenario = coach.bank.scenarios[row.scenario_id]
        said = [t.text for t in coach.store.turns(session_id) if t.role == "candidate" and not t.text.startswith("/")]
        fb = dict(fb)
        fb["llm"] = coach.assist.feedback_prose(fb, said, scenario) | {"model": coach.assist.backend.label}
    if fmt == "json":
        text = json.dumps(fb, indent=2, ensure_ascii=False)
    elif fmt == "html":
        text = render_html(fb)
    else:
        text = render_markdown(fb)
    if output:
        _write(output, text)
    elif fmt == "md":
        _print_markdown(text)
    else:
        click.echo(text)


def _write(path: Path, text: str) -> None:
    from .errors import InputError

    try:
        path.write_text(text, encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"cannot write {path}: no such folder") from None
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from None
    click.echo(f"wrote {path}", err=True)


@cli.command("transcript", context_settings=CONTEXT)
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
def transcript_cmd(session_id: str, fmt: str) -> None:
    """Read a session's conversation: every turn, with pushbacks and the facts given marked."""
    from .feedback import render_transcript

    doc = _coach().transcript(session_id)
    if fmt == "json":
        _emit_json(doc)
        return
    head = [f"# Transcript: {doc['product']}", "", f"Session {doc['session_id']}, {doc['date']}, {doc['status']}.", ""]
    click.echo("\n".join(head + render_transcript(doc["turns"])).rstrip() + "\n")


@cli.command("discard", context_settings=CONTEXT)
@click.argument("session_id")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def discard_cmd(session_id: str, yes: bool) -> None:
    """Delete an unfinished (active or paused) interview and everything typed in it."""
    from .errors import InputError

    coach = _coach()
    row = coach.store.session(session_id)
    if row.status == "finished":
        raise InputError(f"session {session_id} is finished; its feedback and scores stay in your history")
    said = sum(1 for t in coach.store.turns(session_id) if t.role == "candidate" and not t.text.startswith("/"))
    what = f"{said} answer{'s' if said != 1 else ''}"
    if not yes:
        if not sys.stdin.isatty():
            raise InputError(f"discarding deletes {what} for good: add --yes to confirm")
        click.confirm(f"Delete session {session_id} and its {what} for good?", abort=True)
    coach.discard(session_id)
    click.echo(f"Discarded session {session_id}.")


@cli.command("history", context_settings=CONTEXT)
@click.option("--all", "everything", is_flag=True,
              help="Also list interviews left before any answer (idle ones show as paused).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def history_cmd(everything: bool, as_json: bool) -> None:
    """Your past sessions with their overall score. An interview idle for 30 minutes is
    "paused": carry on with 'pmcoach resume ID' or delete it with 'pmcoach discard ID'."""
    rows = _coach().history(everything=everything)
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        click.echo("No sessions yet: start one with 'pmcoach practice'.")
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="Sessions")
    for col in ("id", "date", "product", "status", "overall"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["session_id"], r["date"], r["product"], r["status"], f"{r['overall']:.2f}" if r["overall"] is not None else "-")
    Console(no_color=not _is_tty()).print(t)
    if any(r["status"] == "paused" for r in rows):
        click.echo("Paused interviews: 'pmcoach resume ID' to carry on, 'pmcoach discard ID' to delete.")


@cli.command("progress", context_settings=CONTEXT)
@click.option("--chart", type=click.Path(path_type=Path, dir_okay=False), help="Also write an SVG chart to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def progress_cmd(chart: Path | None, as_json: bool) -> None:
    """Scores per rubric area over time, in the terminal and optionally as an SVG chart."""
    from .progress import progress_series, render_terminal, svg_chart

    series = progress_series(_coach().history())
    if as_json:
        _emit_json(series)
    else:
        click.echo(render_terminal(series))
    if chart:
        _write(chart, svg_chart(series))


@cli.command("cheatsheet", context_settings=CONTEXT)
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def cheatsheet_cmd(case_id: str, as_json: bool) -> None:
    """The sheet a peer uses to play the interviewer for one follow-up case (it has the answers)."""
    from .coach import cheatsheet

    doc = cheatsheet(_bank(), case_id)
    if as_json:
        _emit_json(doc)
        return
    from .cheatsheet import render_cheatsheet

    _print_markdown(render_cheatsheet(doc))


@cli.command("serve", context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True, help="Anything but loopback turns accounts on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--open", "open_browser", is_flag=True, help="Open the app in your browser.")
@click.option("--workers", default=1, show_default=True, type=int, help="uvicorn worker processes (they share nothing).")
@click.option("--database-url", envvar="PMCOACH_DATABASE_URL", help="SQLite path or postgresql://... (default: PMCOACH_HOME).")
@click.option("--accounts/--no-accounts", "accounts", default=None, help="Require sign-in (always on off loopback).")
@click.option("--model", "model", metavar="NAME", help=MODEL_HELP + " Replies stream into the page.")
@click.option("--invite-only", is_flag=True, default=None,
              help="Sign-up needs a link from 'pmcoach users invite EMAIL' (for a cohort).")
@click.option("--token-days", type=click.IntRange(1, 365), default=None, metavar="DAYS",
              help="How long a sign-in lasts  [default: 30].")
@click.option("--debug", is_flag=True, default=None, help="Name the worker in each response (x-pmcoach-worker).")
def serve_cmd(host: str, port: int, open_browser: bool, workers: int, database_url: str | None,
              accounts: bool | None, model: str | None, invite_only: bool | None, token_days: int | None,
              debug: bool | None) -> None:
    """Serve the web app and its JSON API (needs: pip install 'pmcoach[server]').

    The browser app and the terminal share one store: a session started in one shows in the
    other. Every page has a JSON twin; the API schema is at /openapi.json. Sign-in limits,
    password hashing and per-user quotas are set by PMCOACH_* variables (docs/web.md,
    "Hosting for a cohort").
    """
    import os

    from .web import serve
    from .web.policy import Policy, env_name

    for name, value in (("invite_only", invite_only), ("token_days", token_days), ("debug", debug)):
        if value is not None:
            os.environ[env_name(name)] = "1" if value is True else str(value)
    Policy.from_env()  # a bad PMCOACH_* value is one line here, not a traceback per worker
    serve(host, port, open_browser, workers, database_url, require_accounts=accounts, model=model)


@cli.group("users", context_settings=CONTEXT)
def users_group() -> None:
    """Manage the hosted mode's accounts: invitations and admins."""


@users_group.command("invite", context_settings=CONTEXT)
@click.argument("email")
@click.option("--days", type=click.IntRange(1, 90), default=7, show_default=True, help="How long the link works.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="The address people open the app at.")
@click.option("--database-url", envvar="PMCOACH_DATABASE_URL", help="SQLite path or postgresql://... (default: PMCOACH_HOME).")
def users_invite_cmd(email: str, days: int, base_url: str, database_url: str | None) -> None:
    """Print a one-time sign-up link for EMAIL (the way in when the server runs --invite-only)."""
    from urllib.parse import quote

    from .store import open_store
    from .web import auth

    store = open_store(database_url)
    try:
        token = auth.invite(store, email, days)
    finally:
        store.close()
    click.echo(f"{base_url.rstrip('/')}/signup?invite={quote(token)}")
    click.echo(f"One use, for {auth.normalise_email(email)} only, for {days} days.", err=True)


@users_group.command("admin", context_settings=CONTEXT)
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take admin away instead.")
@click.option("--database-url", envvar="PMCOACH_DATABASE_URL", help="SQLite path or postgresql://... (default: PMCOACH_HOME).")
def users_admin_cmd(email: str, revoke: bool, database_url: str | None) -> None:
    """Make EMAIL's account an admin (admins see the server's details in /api/health)."""
    from .errors import InputError
    from .store import open_store

    store = open_store(database_url)
    try:
        if not store.set_admin(email.strip().lower(), not revoke):
            raise InputError(f"no account for {email!r}")
    finally:
        store.close()
    click.echo(f"{email.strip().lower()} is {'no longer ' if revoke else ''}an admin")


@cli.command("models", context_settings=CONTEXT)
@click.option("--test", "test", is_flag=True, help="Send each model a one-line prompt and report what happens.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def models_cmd(test: bool, as_json: bool) -> None:
    """List the LLMs you have configured (and test them). pmcoach needs none of them.

    Configure with --model PROVIDER:MODEL, PMCOACH_LLM_MODEL / PMCOACH_LLM_BASE_URL /
    PMCOACH_LLM_API_KEY, or [models.NAME] tables in PMCOACH_HOME/config.toml.
    """
    from .llm import LLMError
    from .llm.config import build, config_file, configured

    rows = []
    for spec in configured():
        row = {"name": spec.name, "provider": spec.provider, "model": spec.model, "source": spec.source,
               "base_url": spec.base_url}
        if test:
            import time as _t

            t0 = _t.perf_counter()
            try:
                reply = build(spec).chat([{"role": "user", "content": "Reply with the word: ready"}])
                row.update(ok=True, reply=reply.strip()[:60], ms=round((_t.perf_counter() - t0) * 1000))
            except LLMError as e:
                row.update(ok=False, error=str(e))
        rows.append(row)
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        click.echo(f"No model configured: pmcoach works without one. To add one, pass --model (e.g. "
                   f"--model ollama:llama3.1) or write {config_file()}.")
        return
    for r in rows:
        status = "" if not test else ("  ok " + f"({r['ms']} ms): {r['reply']}" if r.get("ok") else f"  FAILED: {r['error']}")
        click.echo(f"{r['name']:24} {r['provider']}:{r['model']}  [{r['source']}]{status}")


# ---------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> None:
    """Run the CLI with one central error handler."""
    args = list(sys.argv[1:] if argv is None else argv)
    show_tb = "--traceback" in args
    if show_tb:
        args.remove("--traceback")
    run: Callable[..., Any] = cli.main
    try:
        run(args=args, prog_name="pmcoach", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("", err=True)
        sys.exit(130)
    except click.UsageError as e:
        if show_tb:
            raise
        cmd = e.ctx.command_path if e.ctx else "pmcoach"
        click.echo(f"pmcoach: error: {e.format_message()} (see '{cmd} --help')", err=True)
        sys.exit(2)
    except click.ClickException as e:
        if show_tb:
            raise
        click.echo(f"pmcoach: error: {e.format_message()}", err=True)
        sys.exit(e.exit_code)
    except Exception as e:
        from .errors import PmcoachError

        if show_tb:
            raise
        if isinstance(e, PmcoachError):
            click.echo(f"pmcoach: error: {e}", err=True)
            sys.exit(int(e.exit_status))
        if isinstance(e, BrokenPipeError):
            sys.exit(0)
        click.echo(f"pmcoach: error: unexpected {type(e).__name__}: {e} (rerun with --traceback)", err=True)
        sys.exit(1)
