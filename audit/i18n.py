"""Words the product says, in Russian and English, and how answers and scores read aloud."""

from __future__ import annotations

from typing import Any

from audit.model import WEEKDAYS, Answer, Checklist, Item, ItemScore

DEFAULT_LANG = "ru"

# key: (en, ru). Keep keys grouped by where they show.
STRINGS: dict[str, tuple[str, str]] = {
    # levels and modes
    "level.disappointment": ("Disappointment", "Разочарование"),
    "level.average": ("Average", "Средний уровень"),
    "level.wow": ("Wow", "Вау"),
    "level.none": ("No score yet", "Оценки пока нет"),
    "mode.mystery": ("Mystery shopping", "Тайный покупатель"),
    "mode.self": ("Self-audit", "Самопроверка"),
    "status.draft": ("Draft", "Черновик"),
    "status.submitted": ("Submitted", "Отправлен"),
    "role.shopper": ("Mystery shopper", "Тайный покупатель"),
    "role.manager": ("Branch manager", "Управляющий"),
    "role.hq": ("HQ", "Головной офис"),
    # answers
    "answer.yes": ("Yes", "Да"),
    "answer.no": ("No", "Нет"),
    "answer.na": ("N/A", "Н/П"),
    "answer.none": ("—", "—"),
    "answer.nothing_chosen": ("none of these", "ничего из перечисленного"),
    "answer.closed": ("closed", "выходной"),
    "answer.minutes": ("{value:g} min", "{value:g} мин"),
    "answer.typos": ("{count} typos: {words}", "опечаток: {count}: {words}"),
    "answer.no_typos": ("no typos", "опечаток нет"),
    "day.mon": ("Mon", "Пн"),
    "day.tue": ("Tue", "Вт"),
    "day.wed": ("Wed", "Ср"),
    "day.thu": ("Thu", "Чт"),
    "day.fri": ("Fri", "Пт"),
    "day.sat": ("Sat", "Сб"),
    "day.sun": ("Sun", "Вс"),
    # why a score is what it is
    "why.yes": ("yes", "да"),
    "why.no": ("no", "нет"),
    "why.na": ("N/A: left out of the denominator", "Н/П: не учитывается"),
    "why.na_not_allowed": ("N/A is not allowed here; not counted", "Н/П здесь не допускается; не учтено"),
    "why.unanswered": ("not answered", "нет ответа"),
    "why.unscored": ("evidence, not scored", "доказательство, без оценки"),
    "why.invalid": ("invalid answer, not counted", "неверный ответ, не учтён"),
    "why.scale": ("{value} on a scale of {low}–{high}", "{value} по шкале {low}–{high}"),
    "why.choice": ("“{option}” scores {score:g}", "«{option}» даёт {score:g}"),
    "why.multi": ("{count} chosen, worth {sum:g} (at most 1)", "выбрано {count}, вместе {sum:g} (не более 1)"),
    "why.band": ("{value} falls in the band {limit} → {score:g}", "{value} попадает в диапазон {limit} → {score:g}"),
    "why.band_top": ("above every limit", "выше всех порогов"),
    "why.hours_evening": ("open after {time} on: {days}", "открыто после {time}: {days}"),
    "why.hours_no_evening": ("never open after {time} on weekdays", "в будни не работает после {time}"),
    "why.hours_weekend": ("open at the weekend: {days}", "работает в выходные: {days}"),
    "why.hours_no_weekend": ("closed at the weekend", "в выходные закрыто"),
    "why.points": ("{earned:g} of {possible:g} points", "баллы: {earned:g} из {possible:g}"),
    "why.value_wait_time": ("{n:g} min", "{n:g} мин"),
    "why.value_typo_check": ("typos: {n:g}", "опечаток: {n:g}"),
    # scores
    "score.overall": ("Overall score", "Итоговая оценка"),
    "score.computed": ("Computed score", "Рассчитанная оценка"),
    "score.capped": ("Capped at {cap:g}% because of a critical failure",
                     "Ограничена {cap:g}% из-за критичного нарушения"),
    "score.critical": ("Critical failure", "Критичное нарушение"),
    # errors that reach people
    "err.not_yes_no": ("Answer yes or no.", "Ответьте «да» или «нет»."),
    "err.not_whole": ("A whole number is needed.", "Нужно целое число."),
    "err.out_of_range": ("Pick a value from {low} to {high}.", "Выберите значение от {low} до {high}."),
    "err.unknown_option": ("That option is not in this checklist.", "Такого варианта нет в чек-листе."),
    "err.not_number": ("A number is needed.", "Нужно число."),
    "err.negative": ("The number cannot be negative.", "Число не может быть отрицательным."),
    "err.end_before_start": ("“Served” cannot come before “started waiting”.",
                             "«Обслужили» не может быть раньше «начал ждать»."),
    "err.bad_time": ("{value} is not a time like 09:00.", "{value} — не время вида 09:00."),
    "err.bad_hours": ("Give the opening and closing time, like 09:00–18:00.",
                      "Укажите время открытия и закрытия, например 09:00–18:00."),
    "err.bad_typos": ("Paste the website text first.", "Сначала вставьте текст с сайта."),
    "err.not_text": ("Text is needed.", "Нужен текст."),
    "err.unknown_item": ("This item is not in the checklist.", "Этого пункта нет в чек-листе."),
    "err.na_not_allowed": ("N/A is not allowed for this item.", "Для этого пункта Н/П не допускается."),
    "err.too_long": ("The text is longer than {limit} characters.", "Текст длиннее {limit} символов."),
    "err.not_found": ("Not found.", "Не найдено."),
    "err.audit_locked": ("This audit is submitted and read-only. Ask HQ to reopen it.",
                         "Аудит отправлен и доступен только для чтения. Попросите головной офис открыть его."),
    "err.store_unavailable": ("The data store cannot be used: {reason}",
                              "Хранилище данных недоступно: {reason}"),
    "err.store_error": ("Could not save: {reason}. Nothing already saved was lost; try again.",
                        "Не удалось сохранить: {reason}. Сохранённое ранее не потеряно; попробуйте ещё раз."),
    "err.submit_refused": ("{count} required answers or photos are missing.",
                           "Не хватает обязательных ответов или фото: {count}."),
    "err.bad_credentials": ("Wrong name or password.", "Неверное имя или пароль."),
    "err.locked": ("Too many failed attempts. The account is locked for {minutes} min.",
                   "Слишком много неудачных попыток. Вход заблокирован на {minutes} мин."),
    "err.disabled": ("This account is disabled. Ask HQ.", "Эта учётная запись отключена. Обратитесь в головной офис."),
    "err.password_short": ("The password needs at least {min} characters.",
                           "Пароль должен быть не короче {min} символов."),
    "err.bad_name": ("A user name is 2–40 lowercase Latin letters, digits, dot, dash or underscore.",
                     "Имя пользователя — 2–40 строчных латинских букв, цифр, точка, дефис или подчёркивание."),
    "err.user_exists": ("User {name} already exists.", "Пользователь {name} уже есть."),
    "err.unknown_location": ("No location {locations}.", "Нет точки {locations}."),
    "err.bad_role": ("Unknown role.", "Неизвестная роль."),
    "err.no_user": ("No such user.", "Нет такого пользователя."),
    "err.not_first_run": ("Accounts already exist; sign in instead.", "Учётные записи уже есть; войдите."),
}


def t(key: str, lang: str, **params: Any) -> str:
    """The string for `key` in `lang`, with `params` filled in; the key itself if unknown."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "ru" else pair[0]
    if params:
        try:
            return text.format(**params)
        except (KeyError, ValueError, IndexError):
            return text
    return text


def error_text(err: Exception, lang: str) -> str:
    """An error as a person reads it: by its code when we know it, else its message."""
    code = getattr(err, "code", None)
    params = dict(getattr(err, "params", {}) or {})
    params.setdefault("reason", str(err))
    if code and f"err.{code}" in STRINGS:
        return t(f"err.{code}", lang, **params)
    return str(err)


def level_name(key: str | None, lang: str, checklist: Checklist | None = None) -> str:
    if key is None:
        return t("level.none", lang)
    if checklist is not None:
        for level in checklist.levels:
            if level.key == key and level.title is not None:
                return level.title.get(lang)
    return t(f"level.{key}", lang)


def _num(x: float) -> str:
    return f"{x:g}"


def answer_text(item: Item, answer: Answer | None, lang: str) -> str:
    """The answer as it reads on a screen or in a PDF (user text is returned as-is)."""
    if answer is None or not answer.is_answered:
        return t("answer.none", lang)
    if answer.na:
        return t("answer.na", lang)
    v = answer.value
    kind = item.type
    if kind == "yes_no":
        return t("answer.yes" if v else "answer.no", lang)
    if kind == "scale":
        return f"{v} / {item.scale_max}"
    if kind == "choice":
        opt = item.option(str(v))
        return opt.text.get(lang) if opt else str(v)
    if kind == "multi":
        chosen = [o.text.get(lang) for o in item.options if o.id in (v or [])]
        return ", ".join(chosen) if chosen else t("answer.nothing_chosen", lang)
    if kind == "wait_time":
        from audit.scoring import wait_minutes

        minutes = wait_minutes(v)
        return t("answer.none", lang) if minutes is None else t("answer.minutes", lang, value=round(minutes, 1))
    if kind == "number":
        unit = item.unit.get(lang) if item.unit else ""
        return f"{_num(float(v))} {unit}".strip()
    if kind == "hours":
        return hours_text(v or {}, lang)
    if kind == "typo_check":
        typos = list((v or {}).get("typos", []))
        if not typos:
            return t("answer.no_typos", lang)
        return t("answer.typos", lang, count=len(typos), words=", ".join(typos))
    return str(v)


def hours_text(week: dict[str, Any], lang: str) -> str:
    """Mon–Fri 09:00–18:00; Sat closed … with equal neighbouring days folded together."""
    parts: list[str] = []
    run: list[str] = []
    run_span: Any = object()
    for day in (*WEEKDAYS, None):
        span = week.get(day) if day else object()
        if day is not None and span == run_span:
            run.append(day)
            continue
        if run:
            days = t(f"day.{run[0]}", lang) + (f"–{t(f'day.{run[-1]}', lang)}" if len(run) > 1 else "")
            value = f"{run_span[0]}–{run_span[1]}" if run_span else t("answer.closed", lang)
            parts.append(f"{days} {value}")
        run, run_span = ([day], span) if day else ([], None)
    return "; ".join(parts)


def explain(item: Item, s: ItemScore, lang: str) -> str:
    """Why this item scored what it did, in the reader's language."""
    code, params = s.reason
    if code in ("na", "na_not_allowed", "unanswered", "unscored", "invalid", "yes", "no"):
        why = t(f"why.{code}", lang)
    elif code == "scale":
        why = t("why.scale", lang, **params)
    elif code == "choice":
        opt = item.option(params.get("option", ""))
        why = t("why.choice", lang, option=opt.text.get(lang) if opt else params.get("option"),
                score=opt.score if opt else 0)
    elif code == "multi":
        why = t("why.multi", lang, count=len(params.get("options", [])), sum=params.get("sum", 0))
    elif code == "band":
        n = round(params.get("value", 0), 1)
        kind = params.get("type", "")
        if kind in ("wait_time", "typo_check"):
            value = t(f"why.value_{kind}", lang, n=n)
        else:
            value = f"{n:g} {item.unit.get(lang) if item.unit else ''}".strip()
        limit = (f"≤ {_num(params['max'])}" if params.get("max") is not None
                 else t("why.band_top", lang))
        why = t("why.band", lang, value=value, limit=limit, score=params.get("score", 0))
    elif code == "hours":
        bits = []
        if params.get("evening_after"):
            days = [t(f"day.{d}", lang) for d in params.get("evening_days", [])]
            bits.append(t("why.hours_evening", lang, time=params["evening_after"], days=", ".join(days))
                        if days else t("why.hours_no_evening", lang, time=params["evening_after"]))
        if item.hours is None or item.hours.weekend:
            days = [t(f"day.{d}", lang) for d in params.get("weekend_days", [])]
            bits.append(t("why.hours_weekend", lang, days=", ".join(days)) if days
                        else t("why.hours_no_weekend", lang))
        why = "; ".join(bits)
    else:
        why = s.why
    if s.possible > 0:
        why += " → " + t("why.points", lang, earned=round(s.earned, 2), possible=s.possible)
    return why
