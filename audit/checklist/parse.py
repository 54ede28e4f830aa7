"""YAML checklist → validated Checklist; every problem reported at once with its place and a fix."""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from audit.checklist.limits import Refusal, check_sizes, scan_yaml
from audit.core import limits
from audit.core.text import control_chars
from audit.model import (
    EXPECT_KINDS,
    EXPECTATION_ITEM,
    ITEM_TYPES,
    LANGS,
    LEVEL_KEYS,
    PHOTO_RULES,
    UNSCORED_TYPES,
    Band,
    Checklist,
    Condition,
    Expectation,
    HoursRule,
    Item,
    Level,
    Option,
    Section,
    Text,
)

MAX_TEMPLATE_BYTES = limits.TEMPLATE_MAX_BYTES

TOP_KEYS = ("id", "version", "title", "description", "levels", "critical_cap", "sections")
SECTION_KEYS = ("id", "title", "description", "weight", "when", "na", "na_reason", "customer",
                "expect", "items")
# `expect:` of a section: the shopper's expectation, asked before the section
EXPECT_KEYS = ("ask", "type", "against", "standard")
# what an expectation of each kind is set against
EXPECT_AGAINST = {"minutes": ("wait_time", "number"), "scale": ("scale",)}
ITEM_KEYS = (
    "id",
    "text",
    "type",
    "weight",
    "critical",
    "na",
    "photo",
    "required",
    "guidance",
    "scale",
    "options",
    "bands",
    "hours",
    "unit",
    "when",
    "summary",
)
BANDED_TYPES = ("number", "wait_time", "typo_check")
# keys that only some item types take
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "scale": ("scale",),
    "choice": ("options",),
    "multi": ("options",),
    "hours": ("hours",),
    **dict.fromkeys(BANDED_TYPES, ("bands", "unit")),
}
LEVEL_ITEM_KEYS = ("min", "key", "title")
OPTION_KEYS = ("id", "text", "score")
BAND_KEYS = ("min", "max", "score")
HOURS_KEYS = ("evening_after", "weekend")
SCALE_KEYS = ("min", "max")
# `when:` keys: a test on one answer, or any/all/not of other conditions
WHEN_TEST_KEYS = ("item", "is", "min", "max")
WHEN_KEYS = (*WHEN_TEST_KEYS, "any", "all", "not")
# what a condition can test, and how: values (`is`), a range (`min`/`max`)
WHEN_VALUE_TYPES = ("yes_no", "choice", "multi", "scale", "number")
WHEN_RANGE_TYPES = ("scale", "number", "wait_time")
MAX_WHEN_DEPTH = 8
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a template: where, what, and how to fix it."""

    source: str
    place: str
    message: Text
    hint: Text
    line: int | None = None
    column: int | None = None

    def format(self, lang: str = "en") -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        place = f" {self.place}:" if self.place else ""
        hint = self.hint.get(lang)
        return f"{where}:{place} {self.message.get(lang)}" + (f" — {hint}" if hint else "")

    def __str__(self) -> str:
        return self.format("en")


class ChecklistError(Exception):
    """A template could not be loaded; `.problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.format("en") for p in problems))

    def format(self, lang: str = "en") -> str:
        return "\n".join(p.format(lang) for p in self.problems)


def place_of(path: Path_) -> str:
    """`("sections", 2, "items", 0, "type")` → `sections[2].items[0].type`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _t(en: str, ru: str) -> Text:
    return Text(ru=ru, en=en)


NO_HINT = Text("", "")


class _Marks:
    """Line/column of every node in the YAML, keyed by its path; also finds duplicate keys.

    Walking the nodes costs more than the rest of a parse, so it happens only when a problem
    is reported (or a duplicate key needs its place): a valid checklist never pays for it.
    """

    def __init__(self, node: yaml.Node | None = None) -> None:
        self.at: dict[Path_, tuple[int, int]] = {}
        self.duplicates: list[tuple[Path_, str]] = []
        self._node = node
        if node is not None and _has_duplicate_keys(node):
            self._walk_once()

    def _walk_once(self) -> None:
        node, self._node = self._node, None
        if node is not None:
            self.walk(node)

    def walk(self, node: yaml.Node, path: Path_ = ()) -> None:
        self.at[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    self.duplicates.append((path + (key,), key))
                seen.add(key)
                self.at.setdefault(path + (key,), (key_node.start_mark.line + 1,
                                                   key_node.start_mark.column + 1))
                self.walk(value_node, path + (key,))
                # the key's own mark reads better than the value's for "unknown key"
                self.at[path + (key,)] = (key_node.start_mark.line + 1,
                                          key_node.start_mark.column + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                self.walk(child, path + (i,))

    def find(self, path: Path_) -> tuple[int | None, int | None]:
        self._walk_once()
        while path:
            if path in self.at:
                return self.at[path]
            path = path[:-1]
        return self.at.get((), (None, None))


def _has_duplicate_keys(node: yaml.Node) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            keys = [str(k.value) for k, _ in n.value]
            if len(keys) != len(set(keys)):
                return True
            stack += [v for _, v in n.value]
        elif isinstance(n, yaml.SequenceNode):
            stack += n.value
    return False


# libyaml's C parser when PyYAML was built with it: ten times faster than the pure one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Validator:
    def __init__(self, source: str, marks: _Marks) -> None:
        self.source = source
        self.marks = marks
        self.problems: list[Problem] = []
        # `when:` blocks wait until every section is read: they may name any item
        self.whens: list[tuple[Path_, Any, str, str | None]] = []

    # -- reporting ---------------------------------------------------------------------------

    def add(self, path: Path_, message: Text, hint: Text = NO_HINT) -> None:
        line, col = self.marks.find(path)
        self.problems.append(Problem(self.source, place_of(path), message, hint, line, col))

    # -- shapes ------------------------------------------------------------------------------

    def mapping(self, value: Any, path: Path_, what: Text) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.add(
            path,
            _t(f"expected {what.en} as a mapping of keys", f"ожидается {what.ru} в виде набора ключей"),
            _t("write it as `key: value` lines indented under it",
               "запишите как строки `ключ: значение` с отступом"),
        )
        return None

    def keys(self, d: dict[str, Any], path: Path_, allowed: tuple[str, ...]) -> None:
        for key in d:
            if key in allowed:
                continue
            skey = str(key)
            close = difflib.get_close_matches(skey, allowed, n=1, cutoff=0.6)
            if close:
                hint = _t(f'did you mean "{close[0]}"?', f"может быть, «{close[0]}»?")
            else:
                hint = _t("allowed keys: " + ", ".join(allowed),
                          "допустимые ключи: " + ", ".join(allowed))
            self.add(path + (skey,), _t(f'unknown key "{skey}"', f"неизвестный ключ «{skey}»"), hint)

    def required(self, d: dict[str, Any], key: str, path: Path_) -> bool:
        if key in d and d[key] is not None:
            return True
        self.add(
            path + (key,),
            _t(f'"{key}" is missing', f"не хватает «{key}»"),
            _t(f"add `{key}:` here", f"добавьте `{key}:` сюда"),
        )
        return False

    def ident(self, d: dict[str, Any], path: Path_) -> str | None:
        if not self.required(d, "id", path):
            return None
        value = d["id"]
        if not isinstance(value, str):
            self.add(
                path + ("id",),
                _t(f"id must be text, got {value!r}", f"id должен быть текстом, а не {value!r}"),
                _t('put it in quotes, e.g. id: "yes"', 'возьмите в кавычки, например id: "yes"'),
            )
            return None
        if not ID_RE.match(value):
            self.add(
                path + ("id",),
                _t(f'id "{value}" has characters that are not allowed',
                   f"в id «{value}» недопустимые символы"),
                _t("use lowercase Latin letters, digits and hyphens, e.g. free-spaces",
                   "используйте строчные латинские буквы, цифры и дефис, например free-spaces"),
            )
            return None
        return value

    def text(self, value: Any, path: Path_, *, required: bool = True, one_line: bool = False
             ) -> Text | None:
        """A {ru, en} text. `one_line`: a title, an item's text, an option — it may end up in an
        e-mail subject or a CSV cell, so no line break or other control character is allowed."""
        if value is None:
            if required:
                self.add(path, _t("text is missing", "нет текста"),
                         _t("add {ru: …, en: …}", "добавьте {ru: …, en: …}"))
            return None
        if isinstance(value, str):
            self.add(
                path,
                _t("text must be given in both languages", "текст нужен на обоих языках"),
                _t(f"write {{ru: …, en: {value!r}}}", f"запишите {{ru: …, en: {value!r}}}"),
            )
            return None
        d = self.mapping(value, path, _t("a text in ru and en", "текст на ru и en"))
        if d is None:
            return None
        self.keys(d, path, LANGS)
        texts: dict[str, str] = {}
        for lang in LANGS:
            v = d.get(lang)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                v = str(v)
            if not isinstance(v, str) or not v.strip():
                other = "en" if lang == "ru" else "ru"
                self.add(
                    path + (lang,),
                    _t(f"the {lang} text is missing or empty", f"нет текста на {lang}"),
                    _t(f"add `{lang}:` beside `{other}:`", f"добавьте `{lang}:` рядом с `{other}:`"),
                )
            elif self.controls(v.strip(), path + (lang,), one_line):
                texts[lang] = v.strip()
        if len(texts) != len(LANGS):
            return None
        return Text(ru=texts["ru"], en=texts["en"])

    def controls(self, text: str, path: Path_, one_line: bool) -> bool:
        """True if `text` holds no control character it may not (a line break, unless multi-line)."""
        found = control_chars(text, allowed="" if one_line else "\n\r\t")
        if not found:
            return True
        field = next((p for p in reversed(path) if isinstance(p, str) and p not in LANGS), "text")
        listed = ", ".join(found)
        if one_line:
            self.add(path, _t(f"`{field}` must be one line: it holds a line break or control "
                              f"character ({listed})",
                              f"`{field}` должен быть одной строкой: в нём перевод строки или "
                              f"управляющий символ ({listed})"),
                     _t("write it on one line; longer text goes in `description` or `guidance`",
                        "запишите одной строкой; длинный текст — в `description` или `guidance`"))
        else:
            self.add(path, _t(f"`{field}` holds a control character ({listed})",
                              f"в `{field}` управляющий символ ({listed})"),
                     _t("remove it", "удалите его"))
        return False

    def number(self, d: dict[str, Any], key: str, path: Path_, default: float | None, *,
               low: float | None = None, high: float | None = None,
               positive: bool = False) -> float | None:
        if key not in d or d[key] is None:
            return default
        v = d[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.add(path + (key,), _t(f"{key} must be a number, got {v!r}",
                                       f"{key} должно быть числом, а не {v!r}"),
                     _t("write digits without quotes", "запишите цифрами без кавычек"))
            return default
        if positive and v <= 0:
            self.add(path + (key,), _t(f"{key} must be greater than 0, got {v}",
                                       f"{key} должно быть больше 0, а не {v}"),
                     _t("use a positive number; to leave an item out, delete it",
                        "используйте положительное число; чтобы исключить пункт, удалите его"))
            return default
        if (low is not None and v < low) or (high is not None and v > high):
            self.add(path + (key,), _t(f"{key} must be between {low:g} and {high:g}, got {v}",
                                       f"{key} должно быть от {low:g} до {high:g}, а не {v}"),
                     NO_HINT)
            return default
        return float(v)

    def boolean(self, d: dict[str, Any], key: str, path: Path_, default: bool) -> bool:
        if key not in d or d[key] is None:
            return default
        v = d[key]
        if not isinstance(v, bool):
            self.add(path + (key,), _t(f"{key} must be true or false, got {v!r}",
                                       f"{key} должно быть true или false, а не {v!r}"),
                     _t("write true or false without quotes", "запишите true или false без кавычек"))
            return default
        return v

    def choice_of(self, d: dict[str, Any], key: str, path: Path_, allowed: tuple[str, ...],
                  default: str) -> str:
        if key not in d or d[key] is None:
            return default
        v = d[key]
        if v is False and "none" in allowed:  # YAML reads a bare `no`/`off` as false
            v = "none"
        if not isinstance(v, str) or v not in allowed:
            close = difflib.get_close_matches(str(v), allowed, n=1, cutoff=0.6)
            hint = (_t(f'did you mean "{close[0]}"?', f"может быть, «{close[0]}»?") if close
                    else _t("use one of: " + ", ".join(allowed),
                            "используйте одно из: " + ", ".join(allowed)))
            self.add(path + (key,), _t(f'{key} "{v}" is not known', f"{key} «{v}» неизвестно"),
                     hint)
            return default
        return v

    def listing(self, d: dict[str, Any], key: str, path: Path_, *, required: bool = True
                ) -> list[Any] | None:
        if key not in d or d[key] is None:
            if required:
                self.required(d, key, path)
            return None
        v = d[key]
        if not isinstance(v, list):
            self.add(path + (key,), _t(f"{key} must be a list", f"{key} должно быть списком"),
                     _t("start each entry with `- `", "начинайте каждый элемент с `- `"))
            return None
        if required and not v:
            self.add(path + (key,), _t(f"{key} is empty", f"{key} пуст"),
                     _t("add at least one entry", "добавьте хотя бы один элемент"))
            return None
        return v

    def unique(self, ids: list[tuple[str | None, Path_]], what: Text) -> None:
        first: dict[str, Path_] = {}
        for ident, path in ids:
            if ident is None:
                continue
            if ident in first:
                self.add(path + ("id",),
                         _t(f'duplicate {what.en} id "{ident}" (first at {place_of(first[ident])})',
                            f"повтор id {what.ru} «{ident}» (впервые в {place_of(first[ident])})"),
                         _t("give every one its own id", "дайте каждому свой id"))
            else:
                first[ident] = path

    # -- the checklist -----------------------------------------------------------------------

    def checklist(self, data: Any) -> Checklist | None:
        root = self.mapping(data, (), _t("the checklist", "чек-лист"))
        if root is None:
            return None
        self.keys(root, (), TOP_KEYS)
        ident = self.ident(root, ())
        version = root.get("version")
        if version is None:
            self.required(root, "version", ())
        elif isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.add(("version",), _t(f"version must be a whole number from 1, got {version!r}",
                                      f"version должна быть целым числом от 1, а не {version!r}"),
                     _t("e.g. version: 3", "например version: 3"))
            version = None
        title = self.text(root.get("title"), ("title",), one_line=True)
        description = self.text(root.get("description"), ("description",), required=False)
        levels = self.levels(root)
        cap = self.number(root, "critical_cap", (), 0.0, low=0, high=100)
        sections = self.sections(root)
        if sections is not None:
            sections = self.conditions(sections)
        if (ident is None or version is None or title is None or levels is None
                or sections is None or self.problems):
            return None
        return Checklist(id=ident, version=int(version), title=title, levels=levels,
                         sections=sections, critical_cap=cap if cap is not None else 0.0,
                         description=description)

    def levels(self, root: dict[str, Any]) -> tuple[Level, ...] | None:
        raw = self.listing(root, "levels", ())
        if raw is None:
            return None
        out: list[Level] = []
        ok = True
        for i, entry in enumerate(raw):
            path: Path_ = ("levels", i)
            d = self.mapping(entry, path, _t("a level", "уровень"))
            if d is None:
                ok = False
                continue
            self.keys(d, path, LEVEL_ITEM_KEYS)
            low = self.number(d, "min", path, None, low=0, high=100)
            if low is None:
                if "min" not in d:
                    self.required(d, "min", path)
                ok = False
                continue
            key = d.get("key")
            title = self.text(d.get("title"), path + ("title",), required=False, one_line=True)
            if not isinstance(key, str) or not key:
                self.required(d, "key", path)
                ok = False
                continue
            if key not in LEVEL_KEYS and title is None:
                close = difflib.get_close_matches(key, LEVEL_KEYS, n=1, cutoff=0.6)
                self.add(path + ("key",),
                         _t(f'level "{key}" is not known', f"уровень «{key}» неизвестен"),
                         _t(f'did you mean "{close[0]}"?', f"может быть, «{close[0]}»?") if close
                         else _t("use disappointment, average or wow, or give it a title",
                                 "используйте disappointment, average или wow либо задайте title"))
                ok = False
                continue
            out.append(Level(min=low, key=key, title=title))
        if out and out[0].min != 0:
            self.add(("levels", 0, "min"),
                     _t(f"the first level must start at 0, not {out[0].min:g}",
                        f"первый уровень должен начинаться с 0, а не с {out[0].min:g}"),
                     _t("a score of 0 must fall into some level", "оценка 0 должна попадать в уровень"))
            ok = False
        for i in range(1, len(out)):
            if out[i].min <= out[i - 1].min:
                self.add(("levels", i, "min"),
                         _t(f"levels out of order: {out[i].min:g} comes after {out[i - 1].min:g}",
                            f"уровни не по порядку: {out[i].min:g} идёт после {out[i - 1].min:g}"),
                         _t("list levels from the lowest min to the highest",
                            "перечислите уровни от меньшего min к большему"))
                ok = False
        return tuple(out) if ok else None

    def sections(self, root: dict[str, Any]) -> tuple[Section, ...] | None:
        raw = self.listing(root, "sections", ())
        if raw is None:
            return None
        out: list[Section] = []
        ids: list[tuple[str | None, Path_]] = []
        for i, entry in enumerate(raw):
            path: Path_ = ("sections", i)
            d = self.mapping(entry, path, _t("a section", "раздел"))
            if d is None:
                continue
            self.keys(d, path, SECTION_KEYS)
            ident = self.ident(d, path)
            ids.append((ident, path))
            title = self.text(d.get("title"), path + ("title",), one_line=True)
            description = self.text(d.get("description"), path + ("description",), required=False)
            weight = self.number(d, "weight", path, 1.0, positive=True)
            na = self.boolean(d, "na", path, False)
            na_reason = self.text(d.get("na_reason"), path + ("na_reason",), required=False, one_line=True)
            if na_reason is not None and not na:
                self.add(path + ("na_reason",),
                         _t("na_reason is given but the section may not be answered N/A",
                            "na_reason задан, но раздел нельзя отметить «Н/П»"),
                         _t("add `na: true` to the section, or remove na_reason",
                            "добавьте разделу `na: true` или уберите na_reason"))
            customer = self.customer(d, path)
            if ident and d.get("when") is not None:
                self.whens.append((path + ("when",), d["when"], ident, None))
            items = self.items(d, path, ident)
            expect = None
            if "expect" in d and items is not None:
                found = self.expectation(d["expect"], path + ("expect",), items)
                if found is not None:
                    expect, asking = found
                    items = (asking, *items) if asking is not None else items
            if ident and title and items is not None and weight is not None:
                out.append(Section(id=ident, title=title, items=items, weight=weight,
                                   description=description, na=na, na_reason=na_reason,
                                   customer=customer, expect=expect))
        self.unique(ids, _t("section", "раздела"))
        return tuple(out)

    def customer(self, d: dict[str, Any], path: Path_) -> Text | None:
        """`customer:` marks a section customer-facing: the touchpoint in a customer's words,
        one line in both languages, shown on the customer's voice page."""
        if "customer" not in d:
            return None
        raw = d["customer"]
        if raw is None or isinstance(raw, bool):
            self.add(path + ("customer",),
                     _t("customer must be the touchpoint in a customer's words, in ru and en",
                        "customer — это название точки контакта словами клиента, на ru и en"),
                     _t('write e.g. customer: {ru: "Туалет", en: "The restroom"}; '
                        "remove the key if customers are not asked about this section",
                        'запишите, например, customer: {ru: "Туалет", en: "The restroom"}; '
                        "уберите ключ, если клиентов об этом разделе не спрашивают"))
            return None
        return self.text(raw, path + ("customer",), one_line=True)

    def expectation(self, raw: Any, path: Path_, items: tuple[Item, ...]
                    ) -> tuple[Expectation, Item | None] | None:
        """`expect:` — the shopper's expectation of the section, asked first in it as an item
        of its own (never scored), or the brand's standard written here, or both."""
        example = _t('e.g. expect: {ask: {ru: "Сколько минут вы готовы ждать?", en: "How many '
                     'minutes do you expect to wait?"}, type: minutes, against: wait-time}',
                     'например expect: {ask: {ru: "Сколько минут вы готовы ждать?", en: "How '
                     'many minutes do you expect to wait?"}, type: minutes, against: wait-time}')
        d = self.mapping(raw, path, _t("an expectation", "ожидание"))
        if d is None:
            return None
        self.keys(d, path, EXPECT_KEYS)
        before = len(self.problems)
        kind = None
        if self.required(d, "type", path):
            kind = self.choice_of(d, "type", path, EXPECT_KINDS, "")
        ask = self.text(d.get("ask"), path + ("ask",), required=False, one_line=True)
        span = limits.NUMBER_RANGES["wait_time"]
        low, high = (1.0, 5.0) if kind == "scale" else (span.low, span.high)
        standard = self.number(d, "standard", path, None, low=low, high=high)
        if d.get("ask") is None and d.get("standard") is None:
            self.add(path, _t("an expectation needs the question to ask (`ask:`) or the brand's "
                              "standard (`standard:`), or both",
                              "ожиданию нужен вопрос (`ask:`) или стандарт бренда (`standard:`), "
                              "или оба"), example)
        against = d.get("against")
        target: Item | None = None
        if against is not None:
            target = next((i for i in items if i.id == against), None)
            if target is None:
                ids = [i.id for i in items]
                close = difflib.get_close_matches(str(against), ids, n=1, cutoff=0.6)
                self.add(path + ("against",),
                         _t(f'against "{against}" names no item of this section',
                            f"against «{against}» не называет пункт этого раздела"),
                         _t(f'did you mean "{close[0]}"?', f"может быть, «{close[0]}»?") if close
                         else _t("items here: " + ", ".join(ids), "пункты раздела: " + ", ".join(ids)))
            elif kind is not None and kind in EXPECT_AGAINST \
                    and target.type not in EXPECT_AGAINST[kind]:
                fits = ", ".join(EXPECT_AGAINST[kind])
                self.add(path + ("against",),
                         _t(f'a {kind} expectation cannot be set against "{against}", a '
                            f"{target.type} item", f"ожидание типа {kind} нельзя сравнить с "
                            f"«{against}», пунктом типа {target.type}"),
                         _t(f"name an item of type {fits}", f"назовите пункт типа {fits}"))
        elif kind == "minutes":
            self.add(path + ("against",),
                     _t("a minutes expectation needs `against:`, the item that measures the wait",
                        "ожиданию в минутах нужен `against:` — пункт, который измеряет ожидание"),
                     example)
        if any(i.id == EXPECTATION_ITEM for i in items):
            self.add(path, _t(f'the section already has an item "{EXPECTATION_ITEM}": the '
                              "expectation's question takes that id",
                              f"в разделе уже есть пункт «{EXPECTATION_ITEM}»: этот id занимает "
                              "вопрос об ожидании"),
                     _t("rename that item", "переименуйте этот пункт"))
        if len(self.problems) > before or kind not in EXPECT_KINDS:
            return None
        expectation = Expectation(kind=kind, against=target.id if target else "",
                                  standard=standard, asked=ask is not None)
        if ask is None:
            return expectation, None
        guidance = None
        if standard is not None:
            shown = f"{standard:g}"
            guidance = (_t(f"Answer before you start this part. The brand's standard: {shown} min "
                           "at most.", f"Ответьте до начала этой части. Стандарт бренда: не "
                           f"больше {shown} мин.") if kind == "minutes" else
                        _t(f"Answer before you start this part. The brand's standard: {shown} of 5.",
                           f"Ответьте до начала этой части. Стандарт бренда: {shown} из 5."))
        else:
            guidance = _t("Answer before you start this part: what you expect, not what you see.",
                          "Ответьте до начала этой части: чего вы ожидаете, а не что видите.")
        # weight 0: the phone's live score (js/rules.js) reads weights, not `expectation`, and
        # must add nothing for it either
        asking = Item(id=EXPECTATION_ITEM, text=ask, type="number" if kind == "minutes" else "scale",
                      weight=0.0, required=False, guidance=guidance,
                      unit=_t("min", "мин") if kind == "minutes" else None, expectation=True)
        return expectation, asking

    def items(self, section: dict[str, Any], spath: Path_, section_id: str | None
              ) -> tuple[Item, ...] | None:
        raw = self.listing(section, "items", spath)
        if raw is None:
            return None
        out: list[Item] = []
        ids: list[tuple[str | None, Path_]] = []
        for i, entry in enumerate(raw):
            path: Path_ = spath + ("items", i)
            d = self.mapping(entry, path, _t("an item", "пункт"))
            if d is None:
                continue
            self.keys(d, path, ITEM_KEYS)
            ident = self.ident(d, path)
            ids.append((ident, path))
            item = self.item(d, path, ident)
            if item is not None:
                out.append(item)
                if section_id and d.get("when") is not None:
                    self.whens.append((path + ("when",), d["when"], section_id, item.id))
        self.unique(ids, _t("item", "пункта"))
        return tuple(out)

    def item(self, d: dict[str, Any], path: Path_, ident: str | None) -> Item | None:
        text = self.text(d.get("text"), path + ("text",), one_line=True)
        guidance = self.text(d.get("guidance"), path + ("guidance",), required=False)
        kind = None
        if self.required(d, "type", path):
            raw_type = d["type"]
            if raw_type in ITEM_TYPES:
                kind = str(raw_type)
            else:
                close = difflib.get_close_matches(str(raw_type), ITEM_TYPES, n=1, cutoff=0.5)
                self.add(path + ("type",),
                         _t(f'unknown type "{raw_type}"', f"неизвестный тип «{raw_type}»"),
                         _t(f'did you mean "{close[0]}"?', f"может быть, «{close[0]}»?") if close
                         else _t("use one of: " + ", ".join(ITEM_TYPES),
                                 "используйте один из: " + ", ".join(ITEM_TYPES)))
        weight = self.number(d, "weight", path, 1.0, positive=True)
        critical = self.boolean(d, "critical", path, False)
        na = self.boolean(d, "na", path, False)
        photo = self.choice_of(d, "photo", path, PHOTO_RULES, "none")
        unit = self.text(d.get("unit"), path + ("unit",), required=False, one_line=True)
        if kind is None:
            return None
        required = self.boolean(d, "required", path, kind not in UNSCORED_TYPES)

        # keys that belong to another type are a mistake the author wants to hear about
        own = TYPE_KEYS.get(kind, ())
        for key in ("scale", "options", "bands", "hours", "unit"):
            if key in d and key not in own:
                owners = [t for t, ks in TYPE_KEYS.items() if key in ks]
                self.add(path + (key,),
                         _t(f'"{key}" has no meaning for type {kind}',
                            f"«{key}» не имеет смысла для типа {kind}"),
                         _t(f"it belongs to {', '.join(owners)}; remove it or change the type",
                            f"он для типов {', '.join(owners)}; удалите его или смените тип"))

        scale_min, scale_max = 1, 5
        options: tuple[Option, ...] = ()
        bands: tuple[Band, ...] = ()
        hours: HoursRule | None = None
        if kind == "scale":
            scale = self.scale(d, path)
            if scale is None:
                return None
            scale_min, scale_max = scale
        elif kind in ("choice", "multi"):
            opts = self.options(d, path, kind)
            if opts is None:
                return None
            options = opts
        elif kind in BANDED_TYPES:
            b = self.bands(d, path)
            if b is None:
                return None
            bands = b
        elif kind == "hours":
            hours = self.hours(d, path)
            if hours is None:
                return None

        if critical and not self.can_fail(kind, options, bands, hours):
            self.add(path + ("critical",),
                     _t(f"a critical {kind} item that can never score 0 can never fail",
                        f"критичный пункт типа {kind}, который не может получить 0, никогда не провалится"),
                     _t("remove `critical: true`, or give it an answer that scores 0",
                        "уберите `critical: true` или добавьте ответ с оценкой 0"))
            return None
        summary = self.boolean(d, "summary", path, False)
        if summary and kind != "text":
            self.add(path + ("summary",),
                     _t(f"only a text item can be the visit's summary, not a {kind} item",
                        f"итогом визита может быть только пункт типа text, а не {kind}"),
                     _t("remove `summary: true`, or put it on a text item",
                        "уберите `summary: true` или поставьте его у пункта типа text"))
        if ident is None or text is None or weight is None:
            return None
        return Item(id=ident, text=text, type=kind, weight=weight, critical=critical, na=na,
                    photo=photo, required=required, guidance=guidance, scale_min=scale_min,
                    scale_max=scale_max, options=options, bands=bands, hours=hours, unit=unit,
                    summary=summary)

    # -- conditions ----------------------------------------------------------------------

    def conditions(self, sections: tuple[Section, ...]) -> tuple[Section, ...]:
        """Read every `when:` now that all items are known; attach them; refuse cycles."""
        order = {s.id: i for i, s in enumerate(sections)}
        items = {f"{s.id}.{i.id}": (s.id, i) for s in sections for i in s.items}
        built: dict[tuple[str, str | None], Condition] = {}
        places: dict[tuple[str, str | None], Path_] = {}
        for path, raw, section_id, item_id in self.whens:
            if section_id not in order:
                continue
            cond = self.condition(raw, path, section_id, item_id, order, items, 0)
            if cond is not None:
                built[(section_id, item_id)] = cond
                places[(section_id, item_id)] = path
        self.cycles(sections, built, places)
        out = []
        for s in sections:
            new_items = tuple(dataclasses.replace(i, when=built.get((s.id, i.id))) for i in s.items)
            out.append(dataclasses.replace(s, items=new_items, when=built.get((s.id, None))))
        return tuple(out)

    def condition(self, raw: Any, path: Path_, section_id: str, item_id: str | None,
                  order: dict[str, int], items: dict[str, tuple[str, Item]], depth: int
                  ) -> Condition | None:
        example = _t('e.g. when: {item: promised-follow-up, is: "yes"}',
                     'например when: {item: promised-follow-up, is: "yes"}')
        d = self.mapping(raw, path, _t("a condition", "условие"))
        if d is None:
            return None
        if depth >= MAX_WHEN_DEPTH:
            self.add(path, _t(f"conditions nest deeper than {MAX_WHEN_DEPTH} levels",
                              f"условия вложены глубже {MAX_WHEN_DEPTH} уровней"),
                     _t("flatten them with any/all", "упростите их через any/all"))
            return None
        self.keys(d, path, WHEN_KEYS)
        kinds = [k for k in ("item", "any", "all", "not") if k in d]
        if len(kinds) != 1:
            self.add(path, _t("a condition needs exactly one of item, any, all, not",
                              "условию нужен ровно один из ключей item, any, all, not"), example)
            return None
        kind = kinds[0]
        if kind != "item":
            stray = [k for k in ("is", "min", "max") if k in d]
            if stray:
                self.add(path + (stray[0],),
                         _t(f'"{stray[0]}" belongs beside `item:`, not beside `{kind}:`',
                            f"«{stray[0]}» пишется рядом с `item:`, а не с `{kind}:`"), example)
                return None
        if kind == "not":
            inner = self.condition(d["not"], path + ("not",), section_id, item_id, order, items,
                                   depth + 1)
            return None if inner is None else Condition(op="not", parts=(inner,))
        if kind in ("any", "all"):
            raw_parts = d[kind]
            if not isinstance(raw_parts, list) or not raw_parts:
                self.add(path + (kind,), _t(f"{kind} needs a list of conditions",
                                            f"{kind} требует список условий"),
                         _t(f"write {kind}: [{{item: …, is: …}}, {{item: …, is: …}}]",
                            f"запишите {kind}: [{{item: …, is: …}}, {{item: …, is: …}}]"))
                return None
            parts = [self.condition(p, path + (kind, i), section_id, item_id, order, items, depth + 1)
                     for i, p in enumerate(raw_parts)]
            if any(p is None for p in parts):
                return None
            return Condition(op=kind, parts=tuple(p for p in parts if p is not None))
        return self.condition_test(d, path, section_id, item_id, order, items)

    def condition_test(self, d: dict[str, Any], path: Path_, section_id: str, item_id: str | None,
                       order: dict[str, int], items: dict[str, tuple[str, Item]]) -> Condition | None:
        ref = d["item"]
        if not isinstance(ref, str) or not ref:
            self.add(path + ("item",), _t("item must be an item id", "item должен быть id пункта"),
                     _t("an id from this section, or section-id.item-id",
                        "id пункта этого раздела или id-раздела.id-пункта"))
            return None
        key = ref if "." in ref else f"{section_id}.{ref}"
        if key not in items:
            close = difflib.get_close_matches(key, list(items), n=1, cutoff=0.6)
            self.add(path + ("item",), _t(f'no item "{ref}" to test', f"нет пункта «{ref}» для проверки"),
                     _t(f'did you mean "{close[0]}"?', f"может быть, «{close[0]}»?") if close
                     else _t("name an item of this section by its id, or another section's as "
                             "section-id.item-id",
                             "укажите id пункта этого раздела или id-раздела.id-пункта другого"))
            return None
        ref_section, target = items[key]
        if item_id is None and ref_section == section_id:
            self.add(path + ("item",),
                     _t(f"a section's condition cannot test its own item \"{ref}\"",
                        f"условие раздела не может проверять его собственный пункт «{ref}»"),
                     _t("test an item of an earlier section, or put the condition on the items",
                        "проверяйте пункт из раздела выше или поставьте условие на пункты"))
            return None
        if order[ref_section] > order[section_id]:
            self.add(path + ("item",),
                     _t(f'"{ref}" is in a later section; a condition can only test what was asked before',
                        f"«{ref}» в разделе ниже; условие может проверять только то, что спрошено раньше"),
                     _t("move the tested item to an earlier section, or the condition to a later one",
                        "перенесите проверяемый пункт выше или условие ниже"))
            return None
        kind = target.type
        if kind not in WHEN_VALUE_TYPES and kind not in WHEN_RANGE_TYPES:
            self.add(path + ("item",),
                     _t(f'"{ref}" is a {kind} item, which a condition cannot test',
                        f"«{ref}» — пункт типа {kind}, его нельзя проверять в условии"),
                     _t("test a yes_no, choice, multi, scale, number or wait_time item",
                        "проверяйте пункт типа yes_no, choice, multi, scale, number или wait_time"))
            return None
        if not any(k in d for k in ("is", "min", "max")):
            self.add(path, _t("the condition says what to test but not the answer to match",
                              "в условии нет ответа, с которым сравнивать"),
                     _t("add `is:` (or `min:`/`max:` for numbers)",
                        "добавьте `is:` (или `min:`/`max:` для чисел)"))
            return None
        values: tuple[Any, ...] = ()
        if "is" in d:
            checked = self.condition_values(d["is"], path + ("is",), target, ref)
            if checked is None:
                return None
            values = checked
        low = high = None
        if "min" in d or "max" in d:
            if kind not in WHEN_RANGE_TYPES:
                self.add(path + ("min" if "min" in d else "max",),
                         _t(f"min/max cannot match a {kind} item",
                            f"min/max не подходит к пункту типа {kind}"),
                         _t("use `is:` with the answers to match", "используйте `is:` с нужными ответами"))
                return None
            low = self.number(d, "min", path, None)
            high = self.number(d, "max", path, None)
            if ("min" in d and low is None) or ("max" in d and high is None):
                return None
            top = float(target.scale_max) if kind == "scale" else None
            bottom = float(target.scale_min) if kind == "scale" else 0.0
            empty = (low is not None and high is not None and low > high) or \
                (high is not None and high < bottom) or (top is not None and low is not None and low > top)
            if empty:
                self.add(path, _t("no answer can fall between this min and max",
                                  "ни один ответ не попадёт между этими min и max"),
                         _t("check the bounds against the item's answers",
                            "сверьте границы с возможными ответами пункта"))
                return None
        return Condition(op="is", item=key, values=values, min=low, max=high)

    def condition_values(self, raw: Any, path: Path_, target: Item, ref: str) -> tuple[Any, ...] | None:
        kind = target.type
        listed = raw if isinstance(raw, list) else [raw]
        if not listed:
            self.add(path, _t("`is:` lists no answer", "в `is:` нет ни одного ответа"), NO_HINT)
            return None
        out: list[Any] = []
        for v in listed:
            if kind == "yes_no":
                # YAML 1.1 reads a bare yes/no as true/false; "yes" in quotes stays text
                value = {"yes": True, "no": False}.get(v, v) if isinstance(v, str) else v
                if not isinstance(value, bool):
                    self.add(path, _t(f'a yes_no item is never "{v}"', f"пункт yes_no не бывает «{v}»"),
                             _t('write is: "yes" or is: "no"', 'запишите is: "yes" или is: "no"'))
                    return None
                out.append(value)
            elif kind in ("choice", "multi"):
                ids = [o.id for o in target.options]
                if not isinstance(v, str) or v not in ids:
                    close = difflib.get_close_matches(str(v), ids, n=1, cutoff=0.6)
                    self.add(path, _t(f'"{ref}" has no option "{v}"', f"у «{ref}» нет варианта «{v}»"),
                             _t(f'did you mean "{close[0]}"?', f"может быть, «{close[0]}»?") if close
                             else _t("options: " + ", ".join(ids), "варианты: " + ", ".join(ids)))
                    return None
                out.append(v)
            elif kind in ("scale", "number"):
                ok = isinstance(v, (int, float)) and not isinstance(v, bool)
                if ok and kind == "scale":
                    ok = float(v).is_integer() and target.scale_min <= v <= target.scale_max
                if not ok or (kind == "number" and v < 0):
                    what = (f"a whole number from {target.scale_min} to {target.scale_max}"
                            if kind == "scale" else "a number from 0")
                    what_ru = (f"целое число от {target.scale_min} до {target.scale_max}"
                               if kind == "scale" else "число от 0")
                    self.add(path, _t(f'"{ref}" can never be {v!r}: it takes {what}',
                                      f"«{ref}» не бывает {v!r}: ответ — {what_ru}"), NO_HINT)
                    return None
                out.append(v)
            else:
                self.add(path, _t(f"a {kind} item is matched by min/max, not by `is:`",
                                  f"пункт типа {kind} проверяется через min/max, а не `is:`"),
                         _t("e.g. when: {item: wait, min: 10}", "например when: {item: wait, min: 10}"))
                return None
        return tuple(out)

    def cycles(self, sections: tuple[Section, ...], built: dict[tuple[str, str | None], Condition],
               places: dict[tuple[str, str | None], Path_]) -> None:
        """Items whose conditions lead back to themselves could never be shown: name the loop."""
        deps: dict[str, list[str]] = {}
        where: dict[str, Path_] = {}
        for s in sections:
            section_cond = built.get((s.id, None))
            for i in s.items:
                key = f"{s.id}.{i.id}"
                own = built.get((s.id, i.id))
                deps[key] = [*(own.items() if own else ()), *(section_cond.items() if section_cond else ())]
                if own is not None:
                    where[key] = places[(s.id, i.id)]
        state: dict[str, int] = {}  # 1: on the path, 2: done
        reported: set[frozenset[str]] = set()
        for start in deps:
            if start in state:
                continue
            # depth-first without recursion: a long chain of conditions must not hit the stack limit
            trail: list[str] = [start]
            todo: list[list[str]] = [list(deps[start])]
            state[start] = 1
            while trail:
                if not todo[-1]:
                    state[trail.pop()] = 2
                    todo.pop()
                    continue
                nxt = todo[-1].pop()
                if state.get(nxt) == 1:
                    loop = trail[trail.index(nxt):] + [nxt]
                    if frozenset(loop) not in reported:
                        reported.add(frozenset(loop))
                        shown = " → ".join(loop)
                        self.add(where.get(trail[-1], ()),
                                 _t(f"these conditions form a cycle: {shown}",
                                    f"условия замыкаются в круг: {shown}"),
                                 _t("let each item depend only on items that do not depend on it",
                                    "пусть пункт зависит только от пунктов, которые не зависят от него"))
                elif nxt in deps and nxt not in state:
                    state[nxt] = 1
                    trail.append(nxt)
                    todo.append(list(deps[nxt]))

    @staticmethod
    def can_fail(kind: str, options: tuple[Option, ...], bands: tuple[Band, ...],
                 hours: HoursRule | None) -> bool:
        if kind in UNSCORED_TYPES:
            return False
        if kind == "choice":
            return any(o.score == 0 for o in options)
        if kind in BANDED_TYPES:
            return any(b.score == 0 for b in bands)
        return True  # yes_no, scale, multi (nothing chosen), hours (closed evenings and weekends)

    def scale(self, d: dict[str, Any], path: Path_) -> tuple[int, int] | None:
        if not self.required(d, "scale", path):
            return None
        s = self.mapping(d["scale"], path + ("scale",), _t("a scale", "шкала"))
        if s is None:
            return None
        self.keys(s, path + ("scale",), SCALE_KEYS)
        lo, hi = s.get("min", 1), s.get("max", 5)
        for key, v in (("min", lo), ("max", hi)):
            if isinstance(v, bool) or not isinstance(v, int):
                self.add(path + ("scale", key), _t(f"scale {key} must be a whole number",
                                                   f"{key} шкалы должен быть целым числом"),
                         _t("e.g. scale: {min: 1, max: 5}", "например scale: {min: 1, max: 5}"))
                return None
        if lo >= hi:
            self.add(path + ("scale",), _t(f"scale min {lo} must be below max {hi}",
                                           f"min шкалы {lo} должен быть меньше max {hi}"),
                     _t("e.g. scale: {min: 1, max: 5}", "например scale: {min: 1, max: 5}"))
            return None
        return int(lo), int(hi)

    def options(self, d: dict[str, Any], path: Path_, kind: str) -> tuple[Option, ...] | None:
        if "options" not in d or not d["options"]:
            self.add(path + ("options",),
                     _t(f"a {kind} item needs options", f"пункту типа {kind} нужны варианты"),
                     _t("add options: [{id: good, text: {ru: …, en: …}, score: 1}, …]",
                        "добавьте options: [{id: good, text: {ru: …, en: …}, score: 1}, …]"))
            return None
        raw = self.listing(d, "options", path)
        if raw is None:
            return None
        if kind == "choice" and len(raw) < 2:
            self.add(path + ("options",), _t("a choice needs at least 2 options",
                                             "для выбора нужно хотя бы 2 варианта"),
                     _t("add another option, or make the item yes_no",
                        "добавьте вариант или сделайте пункт yes_no"))
            return None
        out: list[Option] = []
        ids: list[tuple[str | None, Path_]] = []
        for i, entry in enumerate(raw):
            opath = path + ("options", i)
            o = self.mapping(entry, opath, _t("an option", "вариант"))
            if o is None:
                continue
            self.keys(o, opath, OPTION_KEYS)
            ident = self.ident(o, opath)
            ids.append((ident, opath))
            text = self.text(o.get("text"), opath + ("text",), one_line=True)
            if "score" not in o:
                self.required(o, "score", opath)
                continue
            score = self.number(o, "score", opath, None, low=0, high=1)
            if ident and text and score is not None:
                out.append(Option(id=ident, text=text, score=score))
        self.unique(ids, _t("option", "варианта"))
        return tuple(out) if len(out) == len(raw) else None

    def bands(self, d: dict[str, Any], path: Path_) -> tuple[Band, ...] | None:
        raw = self.listing(d, "bands", path)
        if raw is None:
            return None
        out: list[Band] = []
        ok = True
        for i, entry in enumerate(raw):
            bpath = path + ("bands", i)
            b = self.mapping(entry, bpath, _t("a band", "диапазон"))
            if b is None:
                ok = False
                continue
            self.keys(b, bpath, BAND_KEYS)
            if "score" not in b:
                self.required(b, "score", bpath)
                ok = False
                continue
            score = self.number(b, "score", bpath, None, low=0, high=1)
            high = self.number(b, "max", bpath, None)
            low = self.number(b, "min", bpath, None)
            if score is None or ("max" in b and high is None) or ("min" in b and low is None):
                ok = False
                continue
            out.append(Band(score=score, max=high, min=low))
        if not ok:
            return None
        for i, band in enumerate(out):
            bpath = path + ("bands", i)
            prev = out[i - 1] if i else None
            if band.max is None and i < len(out) - 1:
                self.add(bpath, _t("only the last band may leave out max",
                                   "только последний диапазон может быть без max"),
                         _t("give this band a max, or move it to the end",
                            "задайте max или перенесите диапазон в конец"))
                ok = False
            if prev is not None and prev.max is not None and band.max is not None \
                    and band.max <= prev.max:
                self.add(bpath + ("max",),
                         _t(f"bands overlap: max {band.max:g} is not above the previous max "
                            f"{prev.max:g}",
                            f"диапазоны пересекаются: max {band.max:g} не больше предыдущего "
                            f"{prev.max:g}"),
                         _t("list bands with increasing max", "перечислите диапазоны по возрастанию max"))
                ok = False
            if band.min is not None:
                expected = prev.max if prev is not None else None
                if expected is not None and band.min > expected:
                    self.add(bpath + ("min",),
                             _t(f"bands leave a gap between {expected:g} and {band.min:g}",
                                f"между диапазонами пропуск от {expected:g} до {band.min:g}"),
                             _t(f"start this band at min: {expected:g}",
                                f"начните этот диапазон с min: {expected:g}"))
                    ok = False
                elif expected is not None and band.min < expected:
                    self.add(bpath + ("min",),
                             _t(f"bands overlap: min {band.min:g} is below the previous max "
                                f"{expected:g}",
                                f"диапазоны пересекаются: min {band.min:g} меньше предыдущего "
                                f"max {expected:g}"),
                             _t(f"start this band at min: {expected:g}",
                                f"начните этот диапазон с min: {expected:g}"))
                    ok = False
                if band.max is not None and band.min > band.max:
                    self.add(bpath, _t("band min is above its max", "min диапазона больше его max"),
                             NO_HINT)
                    ok = False
        if out and out[-1].max is not None:
            self.add(path + ("bands", len(out) - 1, "max"),
                     _t(f"bands leave a gap: values above {out[-1].max:g} have no score",
                        f"пропуск в диапазонах: у значений больше {out[-1].max:g} нет оценки"),
                     _t("end with a band without max, e.g. {score: 0}",
                        "закончите диапазоном без max, например {score: 0}"))
            ok = False
        return tuple(out) if ok else None

    def hours(self, d: dict[str, Any], path: Path_) -> HoursRule | None:
        if "hours" not in d or d["hours"] is None:
            return HoursRule()
        h = self.mapping(d["hours"], path + ("hours",), _t("the hours rule", "правило часов"))
        if h is None:
            return None
        self.keys(h, path + ("hours",), HOURS_KEYS)
        evening = h.get("evening_after", "19:00")
        if isinstance(evening, int) and not isinstance(evening, bool):
            # YAML 1.1 reads an unquoted 19:00 as the sexagesimal number 1140
            evening = f"{evening // 60:02d}:{evening % 60:02d}"
        if evening is not None and (not isinstance(evening, str) or not TIME_RE.match(evening)):
            self.add(path + ("hours", "evening_after"),
                     _t(f"evening_after must be a time like \"19:00\", got {evening!r}",
                        f"evening_after должно быть временем вида \"19:00\", а не {evening!r}"),
                     _t('write it in quotes: evening_after: "19:00"',
                        'запишите в кавычках: evening_after: "19:00"'))
            return None
        weekend = self.boolean(h, "weekend", path + ("hours",), True)
        if evening is None and not weekend:
            self.add(path + ("hours",), _t("the hours rule checks nothing",
                                           "правило часов ничего не проверяет"),
                     _t("set evening_after, weekend: true, or both",
                        "задайте evening_after, weekend: true или оба"))
            return None
        return HoursRule(evening_after=evening, weekend=weekend)


def _parse(text: str, source: str) -> tuple[Checklist | None, list[Problem]]:
    if len(text.encode("utf-8", errors="replace")) > MAX_TEMPLATE_BYTES:
        return None, [Problem(source, "",
                              _t(f"the file is larger than {MAX_TEMPLATE_BYTES // 1000} KB",
                                 f"файл больше {MAX_TEMPLATE_BYTES // 1000} КБ"),
                              _t("a checklist is a few dozen KB; is this the right file?",
                                 "чек-лист занимает десятки КБ; тот ли это файл?"))]
    refused = scan_yaml(text)  # depth and alias expansion, before anything is built
    if refused:
        return None, [_refusal(source, r) for r in refused]
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(
            source, "", _t(f"YAML syntax error: {what}", f"ошибка синтаксиса YAML: {what}"),
            _t("check indentation and quotes on this line (a colon inside text needs quotes)",
               "проверьте отступы и кавычки в этой строке (двоеточие в тексте требует кавычек)"),
            mark.line + 1 if mark else None, mark.column + 1 if mark else None)]
    if node is None:
        return None, [Problem(source, "", _t("the file is empty", "файл пуст"),
                              _t("start from a shipped checklist in audit/checklist/shipped/",
                                 "начните с готового чек-листа из audit/checklist/shipped/"))]
    marks = _Marks(node)  # walked only if a problem needs its place
    refused = check_sizes(data)
    if refused:  # before the item parser: a 30,000-item file is refused, not parsed
        return None, [_refusal(source, r, marks) for r in refused]
    v = _Validator(source, marks)
    for path, key in marks.duplicates:
        v.add(path, _t(f'key "{key}" appears twice here', f"ключ «{key}» встречается дважды"),
              _t("keep one; YAML silently keeps only the last",
                 "оставьте один; YAML молча берёт последний"))
    checklist = v.checklist(data)
    if v.problems:
        return None, v.problems
    return checklist, []


def _refusal(source: str, r: Refusal, marks: _Marks | None = None) -> Problem:
    line, column = (r.line, r.column) if marks is None else marks.find(r.path)
    return Problem(source, place_of(r.path), r.message, r.hint, line, column)


def parse_checklist(text: str, *, source: str = "<checklist>") -> Checklist:
    """Parse and validate YAML text; raise ChecklistError listing every problem."""
    checklist, problems = _parse(text, source)
    if checklist is None:
        raise ChecklistError(problems)
    return checklist


def load_checklist(path: str | Path) -> Checklist:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ChecklistError([Problem(str(p), "", _t(f"cannot read the file: {exc.strerror}",
                                                     f"не удаётся прочитать файл: {exc.strerror}"),
                                      NO_HINT)]) from exc
    return parse_checklist(decode(raw, str(p)), source=str(p))


def decode(raw: bytes, source: str) -> str:
    """Template bytes → text, or a ChecklistError saying the file is not a text file."""
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise ChecklistError([Problem(source, "",
                                      _t(f"the file is larger than {MAX_TEMPLATE_BYTES // 1000} KB",
                                         f"файл больше {MAX_TEMPLATE_BYTES // 1000} КБ"),
                                      _t("a checklist is a few dozen KB; is this the right file?",
                                         "чек-лист занимает десятки КБ; тот ли это файл?"))])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ChecklistError([Problem(source, "", _t("this is not a UTF-8 text file",
                                                     "это не текстовый файл в UTF-8"),
                                      _t("upload the .yaml checklist, saved as UTF-8",
                                         "загрузите .yaml чек-лист в кодировке UTF-8"))]) from exc


def shipped_dir() -> Path:
    return Path(__file__).resolve().parent / "shipped"
