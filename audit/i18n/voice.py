"""Words of the customer's voice page, its poster and HQ's gap table, in English and Russian."""

from __future__ import annotations

# key: (en, ru), merged into audit.i18n.STRINGS
STRINGS: dict[str, tuple[str, str]] = {
    "err.voice_no_touchpoints": (
        "The checklist “{template}” marks no section customer-facing, so customers cannot be "
        "asked about it. Add `customer: {{ru: …, en: …}}` to the sections customers meet.",
        "В чек-листе «{template}» не отмечен ни один раздел для клиентов, поэтому клиентов "
        "о нём спросить нельзя. Добавьте `customer: {{ru: …, en: …}}` разделам, которые видит клиент."),
}
