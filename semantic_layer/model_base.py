"""The smallest typed pieces every layer spec is built from: strict models, names in two
languages, synonyms, and the named sets of a dimension's values. Kept apart from models.py so
that each file stays small; models.py re-exports them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    """A name in both languages. A layer may give one (or a plain string): the other language
    then shows the same words, which is honest where a translation would be a guess."""

    en: str
    zh: str

    @model_validator(mode="before")
    @classmethod
    def _one_language_is_enough(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"en": data, "zh": data}
        if isinstance(data, dict):
            en, zh = data.get("en"), data.get("zh")
            if en is None and zh is not None:
                return {**data, "en": zh}
            if zh is None and en is not None:
                return {**data, "zh": en}
        return data

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class UnitText(_Strict):
    """A unit's suffix after a number, per language ('' for none; Chinese falls back to English)."""

    en: str = ""
    zh: str | None = None

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" and self.zh is not None else self.en


class Synonyms(_Strict):
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.en, *self.zh]


class ValueSet(_Strict):
    """Several values of a dimension that everyday words name together: 'open work orders' are the
    planned and the running ones, 'open complaints' the open and the investigated ones. A question
    naming the set filters on all of its values at once (never asked which one)."""

    values: list[str] = Field(min_length=1)
    en: str | None = None
    zh: str | None = None
    synonyms: list[str] = Field(default_factory=list)

    def forms(self) -> list[str]:
        return [f for f in (self.en, self.zh, *self.synonyms) if f]
