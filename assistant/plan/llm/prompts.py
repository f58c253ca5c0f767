"""Prompt templates, kept as versioned files under `prompts/` rather than in code.

A template file is `<name>.v<N>.md`: YAML front matter with `version` (recorded on every
Plan, so an evaluation run says which wording produced it), then sections introduced by
`<!-- section: NAME -->`. Placeholders are `$name` (string.Template), so the JSON braces
that prompts are full of need no escaping.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

import yaml

from assistant.core.errors import ConfigError

# The repository's prompts folder (one level above the `assistant` package).
PROMPTS_DIR = Path(__file__).resolve().parents[3] / "prompts"
PLANNER_PROMPT = "planner.v1"
REPAIR_PROMPT = "repair.v1"

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_SECTION = re.compile(r"^<!--\s*section:\s*([\w-]+)\s*-->\s*$", re.M)


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    sections: dict[str, str]

    def render(self, section: str, **values: str) -> str:
        if section not in self.sections:
            raise ConfigError(f"Prompt {self.version} has no '{section}' section.",
                              suggestion=f"Sections found: {', '.join(self.sections) or 'none'}.")
        # safe_substitute: a stray '$' in layer descriptions must not break a prompt.
        return Template(self.sections[section]).safe_substitute(values).strip()


def load_prompt(name: str, directory: Path | None = None) -> PromptTemplate:
    """Load `prompts/<name>.md`, e.g. load_prompt("planner.v1")."""
    return _load(name, str(directory or PROMPTS_DIR))


@functools.lru_cache(maxsize=32)
def _load(name: str, directory: str) -> PromptTemplate:
    path = Path(directory) / f"{name}.md"
    if not path.is_file():
        raise ConfigError(f"The prompt file {path} is missing.",
                          suggestion="Run from a source checkout, "
                                     "or keep the prompts/ folder next to the assistant package.")
    text = path.read_text(encoding="utf-8")
    front = _FRONT.match(text)
    meta = yaml.safe_load(front.group(1)) if front else None
    if not isinstance(meta, dict) or not meta.get("version"):
        raise ConfigError(f"{path}: the prompt needs a front-matter header with a 'version'.")
    version = str(meta["version"])
    if version != name:
        # A copied file that kept its old header would record the wrong version on plans.
        raise ConfigError(f"{path}: header version '{version}' does not match the file name '{name}'.")
    body = text[front.end():] if front else text
    parts = _SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}
    if not sections:
        raise ConfigError(f"{path}: no '<!-- section: NAME -->' markers found.")
    return PromptTemplate(name=name.split(".")[0], version=version, sections=sections)
