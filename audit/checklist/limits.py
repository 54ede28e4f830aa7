"""How big a checklist may be: checked before the item parser, so a huge or hostile file costs little.

Two stages. `scan_yaml` reads the YAML event stream (no tree is built, nothing recurses) for
nesting depth and for what aliases would expand to, so a "billion laughs" file is refused
in milliseconds. `check_sizes` walks the loaded data for counts and text lengths. Both
return refusals with the place and a hint in ru and en; audit.checklist.parse turns them into
Problems.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from audit.core import limits
from audit.model import LANGS, Text

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Refusal:
    path: Path_
    message: Text
    hint: Text
    line: int | None = None
    column: int | None = None


def _t(en: str, ru: str) -> Text:
    return Text(ru=ru, en=en)


def _n(x: int) -> str:
    return f"{x:,}".replace(",", " ")


def scan_yaml(text: str) -> list[Refusal]:
    """Refuse nesting deeper than the limit and values that aliases multiply past the limit.

    A YAML syntax error is left for the parser after this, which reports it with its place.
    """
    # per open collection: [values inside it so far, counting what aliases expand to, anchor]
    stack: list[list[Any]] = []
    anchors: dict[str, int] = {}
    total = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                stack.append([1, event.anchor])
                if len(stack) > limits.TEMPLATE_MAX_DEPTH:
                    return [_too_deep(event)]
                continue
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                size, anchor = stack.pop()
                if anchor is not None:
                    anchors[anchor] = size
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if event.anchor is not None:
                    anchors[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                size = anchors.get(event.anchor or "", 1)
            else:
                continue
            if stack:
                stack[-1][0] += size
                grown = stack[-1][0]
            else:
                total += size
                grown = total
            if grown > limits.TEMPLATE_MAX_NODES:
                return [_too_many_nodes(event)]
    except yaml.YAMLError:
        return []
    return []


def _mark(event: yaml.Event) -> tuple[int | None, int | None]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _too_deep(event: yaml.Event) -> Refusal:
    depth = limits.TEMPLATE_MAX_DEPTH
    return Refusal((), _t(f"the file nests lists and mappings deeper than {depth} levels",
                          f"в файле списки и наборы ключей вложены глубже {depth} уровней"),
                   _t("a checklist needs about 8 levels (sections → items → options → text); "
                      "check the indentation and the brackets here",
                      "чек-листу хватает около 8 уровней (разделы → пункты → варианты → текст); "
                      "проверьте отступы и скобки здесь"), *_mark(event))


def _too_many_nodes(event: yaml.Event) -> Refusal:
    most = _n(limits.TEMPLATE_MAX_NODES)
    return Refusal((), _t(f"the file expands to more than {most} values (aliases `*name` repeat "
                          "what their anchor `&name` holds)",
                          f"файл разворачивается больше чем в {most} значений (ссылки `*имя` "
                          "повторяют то, что содержит якорь `&имя`)"),
                   _t("use fewer aliases, or write the repeated parts once",
                      "используйте меньше ссылок или запишите повторяющиеся части один раз"),
                   *_mark(event))


def check_sizes(data: Any) -> list[Refusal]:
    """Counts of sections, items, options and bands, and lengths of ids and texts."""
    out: list[Refusal] = []
    if not isinstance(data, dict):
        return out
    out += _text_lengths(data, (), ("title",), limits.TEMPLATE_MAX_TITLE)
    out += _text_lengths(data, (), ("description",), limits.TEMPLATE_MAX_LONG_TEXT)
    sections = data.get("sections")
    if not isinstance(sections, list):
        return out
    if len(sections) > limits.TEMPLATE_MAX_SECTIONS:
        out.append(_too_many(("sections",), len(sections), limits.TEMPLATE_MAX_SECTIONS,
                             _t("sections", "разделов"),
                             _t("split the checklist into several by topic",
                                "разделите чек-лист на несколько по темам")))
        return out
    total = 0
    for i, section in enumerate(sections):
        if not isinstance(section, dict):
            continue
        spath: Path_ = ("sections", i)
        out += _id_length(section, spath)
        out += _text_lengths(section, spath, ("title", "customer"), limits.TEMPLATE_MAX_TITLE)
        out += _text_lengths(section, spath, ("description",), limits.TEMPLATE_MAX_LONG_TEXT)
        items = section.get("items")
        if not isinstance(items, list):
            continue
        total += len(items)
        if len(items) > limits.TEMPLATE_MAX_ITEMS_PER_SECTION:
            out.append(_too_many(spath + ("items",), len(items),
                                 limits.TEMPLATE_MAX_ITEMS_PER_SECTION,
                                 _t("items in one section", "пунктов в одном разделе"),
                                 _t("split this section in two", "разделите раздел на два")))
            continue
        for j, item in enumerate(items):
            if isinstance(item, dict):
                out += _item(item, spath + ("items", j))
    if total > limits.TEMPLATE_MAX_ITEMS:
        out.insert(0, _too_many(("sections",), total, limits.TEMPLATE_MAX_ITEMS,
                                _t("items", "пунктов"),
                                _t("a shopper answers a few dozen to a few hundred items in one "
                                   "visit; split the checklist into several by topic",
                                   "за один визит проверяют от нескольких десятков до нескольких "
                                   "сотен пунктов; разделите чек-лист на несколько по темам")))
    return out


def _item(item: dict[str, Any], path: Path_) -> list[Refusal]:
    out = _id_length(item, path)
    out += _text_lengths(item, path, ("text",), limits.TEMPLATE_MAX_TEXT)
    out += _text_lengths(item, path, ("guidance",), limits.TEMPLATE_MAX_LONG_TEXT)
    out += _text_lengths(item, path, ("unit",), limits.TEMPLATE_MAX_TITLE)
    for key, what in (("options", _t("options", "вариантов")), ("bands", _t("bands", "диапазонов"))):
        entries = item.get(key)
        if not isinstance(entries, list):
            continue
        if len(entries) > limits.TEMPLATE_MAX_OPTIONS:
            out.append(_too_many(path + (key,), len(entries), limits.TEMPLATE_MAX_OPTIONS, what,
                                 _t("keep the answers a shopper can tell apart at a glance",
                                    "оставьте варианты, которые можно различить с первого взгляда")))
            continue
        for k, entry in enumerate(entries):
            if isinstance(entry, dict):
                out += _id_length(entry, path + (key, k))
                out += _text_lengths(entry, path + (key, k), ("text",), limits.TEMPLATE_MAX_TITLE)
    return out


def _too_many(path: Path_, count: int, most: int, what: Text, hint: Text) -> Refusal:
    return Refusal(path, _t(f"{_n(count)} {what.en}; at most {_n(most)} are allowed",
                            f"{what.ru}: {_n(count)}, а допускается не больше {_n(most)}"), hint)


def _id_length(d: dict[str, Any], path: Path_) -> list[Refusal]:
    ident = d.get("id")
    if isinstance(ident, str) and len(ident) > limits.TEMPLATE_MAX_ID:
        most = limits.TEMPLATE_MAX_ID
        return [Refusal(path + ("id",), _t(f"the id is {len(ident)} characters long; at most {most}",
                                           f"id длиной {len(ident)} символов; допускается до {most}"),
                        _t("use a short name such as free-spaces",
                           "используйте короткое имя вроде free-spaces"))]
    return []


def _text_lengths(d: dict[str, Any], path: Path_, keys: tuple[str, ...], most: int) -> list[Refusal]:
    out = []
    for key, lang, value in _texts(d, keys):
        if len(value) > most:
            out.append(Refusal(path + ((key, lang) if lang else (key,)),
                               _t(f"the text is {_n(len(value))} characters long; at most {_n(most)}",
                                  f"текст длиной {_n(len(value))} символов; допускается до {_n(most)}"),
                               _t("shorten it; put details in guidance",
                                  "сократите его; подробности перенесите в guidance")))
    return out


def _texts(d: dict[str, Any], keys: tuple[str, ...]) -> Iterator[tuple[str, str, str]]:
    for key in keys:
        value = d.get(key)
        if isinstance(value, str):
            yield key, "", value
        elif isinstance(value, dict):
            for lang in LANGS:
                text = value.get(lang)
                if isinstance(text, str):
                    yield key, lang, text
