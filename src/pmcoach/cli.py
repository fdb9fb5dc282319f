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


@cli.command("scenarios", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def scenarios_cmd(as_json: bool) -> None:
    """List the products in the bank with their follow-up cases."""
    bank = _bank()
    rows = []
    for sid in bank.ids():
        s = bank.scenarios[sid]
        rows.append(
            {
                "id": s.id,
                "product": s.product,
                "company": s.company,
                "kind": s.kind,
                "tradeoffs": [c.id for c in s.tradeoffs],
                "troubleshooting": [c.id for c in s.troubleshooting],
                "metrics": len(s.metrics),
                "source": "user" if not str(bank.sources[sid]).startswith(_builtin()) else "built-in",
            }
        )
    if as_json:
        _emit_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} scenarios", show_lines=False)
    for col in ("id", "product", "kind", "trade-offs", "troubleshooting", "metrics"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["id"], r["product"], r["kind"], str(len(r["tradeoffs"])),
            str(len(r["troubleshooting"])), str(r["metrics"]),
        )
    Console(width=None if _is_tty() else 120).print(table)
    click.echo("Follow-up case ids: pmcoach scenarios --json, or pmcoach cheatsheet CASE_ID")


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
    help="For a product outside the bank: build a labelled scaffold from this kind "
    "(marketplace, social, content, messaging, productivity, commerce, on_demand, fintech, "
    "learning, maps).",
)
def answer_cmd(product: str, fmt: str, archetype: str | None) -> None:
    """Print the model answer for PRODUCT in the framework's six parts.

    PRODUCT matches loosely: "fb groups", "facebook-groups" and "Groups" all find
    Facebook Groups.
    """
    from .answer import build_answer, render_markdown
    from .errors import InputError, UnknownProductError

    bank = _bank()
    try:
        src: Any = bank.find(product)
        data = build_answer(src)
    except UnknownProductError:
        if not archetype:
            raise
        from .kb import load_archetypes

        kinds = load_archetypes()
        key = archetype.strip().lower().replace("-", "_").replace("/", "_")
        key = {"community": "social", "media": "content", "saas": "productivity",
               "ondemand": "on_demand", "education": "learning"}.get(key, key)
        if key not in kinds:
            raise InputError(
                f"unknown archetype {archetype!r}; choose one of: {', '.join(sorted(kinds))}"
            ) from None
        data = build_answer(kinds[key], product=product.strip())
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


# ---------------------------------------------------------------- later issues


@cli.command("practice", context_settings=CONTEXT)
@click.argument("product", required=False)
def practice_cmd(product: str | None = None) -> None:
    """Run a mock interview (coming soon: see 'pmcoach answer' meanwhile)."""
    from .errors import PmcoachError

    raise PmcoachError("the mock interview is not built yet; try 'pmcoach answer \"Facebook Groups\"'")


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
