"""Rewrite README.md's settings table from assistant.core.settings.SETTINGS_TABLE (run after adding a
setting; tests/test_public_api.py checks the two agree)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.core.settings import SETTINGS_TABLE  # noqa: E402


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    rows = [f"| `{s.name}` | `{s.env}` | {f'`{s.default}`' if s.default is not None else '—'} | {s.help} |"
            for s in SETTINGS_TABLE]
    # The table's body: consecutive lines that start with "| `" and name an FA_ variable.
    pattern = re.compile(r"(?:^\| `[a-z_0-9]+` \| `FA_[A-Z_0-9]+` \|.*\n)+", re.MULTILINE)
    found = pattern.search(text)
    if found is None:
        raise SystemExit("README.md has no settings table to rewrite")
    readme.write_text(text[: found.start()] + "\n".join(rows) + "\n" + text[found.end():], encoding="utf-8")


if __name__ == "__main__":
    main()
