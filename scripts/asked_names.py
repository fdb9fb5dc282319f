"""Refresh tests/data/asked_products.yaml from the bank: each asked name keeps the scenario it
is meant to resolve to when that scenario is in the bank, and null (must be an error naming the
closest products) when it is not yet.

    python scripts/asked_names.py            # rewrite the file
    python scripts/asked_names.py --check    # print what would change

The intended ids live in the file itself as comments ("# wants: ID") on names not yet in the
bank, so landing a scenario and running this turns its names on.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "tests" / "data" / "asked_products.yaml"


def main(argv: list[str]) -> int:
    from pmcoach.kb import load_bank

    ids = set(load_bank(include_user=False).ids())
    out, changed = [], []
    for line in FILE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^  (.+?): (\S+)(?:\s+# wants: (\S+))?$", line)
        if not m:
            out.append(line)
            continue
        name, wants = m.group(1), m.group(3) or (m.group(2) if m.group(2) != "null" else None)
        new = wants if wants and wants in ids else "null"
        text = f"  {name}: {new}" + (f"  # wants: {wants}" if wants and new == "null" else "")
        if text != line:
            changed.append(f"{line.strip()}  ->  {text.strip()}")
        out.append(text)
    if "--check" in argv:
        print("\n".join(changed) or "up to date")
        return 0
    FILE.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(changed)} names changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
