"""Words of visit plans, proof of visit and the review step, in English and Russian."""

from __future__ import annotations

# key: (en, ru), merged into audit.i18n.STRINGS
STRINGS: dict[str, tuple[str, str]] = {
    "role.reviewer": ("Reviewer", "Проверяющий"),
    "nav.visits": ("My visits", "Мои визиты"),
    "nav.plan": ("Visits", "Визиты"),
    "nav.review": ("Review", "Проверка"),
    # errors
    "err.plan_window_backwards": (
        "The window ends ({last}) before it starts ({first}). Swap the dates.",
        "Окно заканчивается ({last}) раньше, чем начинается ({first}). Поменяйте даты местами."),
    "err.plan_time_backwards": (
        "The time of day ends ({time_to}) before it starts ({time_from}). Fix the hours.",
        "Время дня заканчивается ({time_to}) раньше начала ({time_from}). Исправьте часы."),
    "err.plan_bad_time": ("“{value}” is not a time; write it as 10:00.",
                          "«{value}» — не время; укажите как 10:00."),
    "err.plan_bad_weekday": ("Unknown weekday “{value}”.", "Неизвестный день недели «{value}»."),
    "err.plan_no_day": (
        "No allowed weekday falls between {first} and {last}. Widen the window or allow more days.",
        "Между {first} и {last} нет ни одного разрешённого дня недели. Расширьте окно или "
        "разрешите больше дней."),
    "err.plan_unknown_location": ("There is no location “{location_id}”. Pick one from the list.",
                                  "Точки «{location_id}» нет. Выберите точку из списка."),
    "err.plan_location_disabled": (
        "Location {name} is disabled; enable it in Admin or leave it out of the plan.",
        "Точка {name} отключена; включите её в «Администрировании» или уберите из плана."),
    "err.plan_empty_region": ("Region “{region}” has no active location.",
                              "В регионе «{region}» нет действующих точек."),
    "err.plan_no_locations": ("Pick at least one location or a region.",
                              "Выберите хотя бы одну точку или регион."),
    "err.plan_unknown_shopper": ("There is no person “{shopper}”. Pick a shopper from the list.",
                                 "Человека «{shopper}» нет. Выберите покупателя из списка."),
    "err.plan_not_a_shopper": ("{shopper} is not a mystery shopper.",
                               "{shopper} — не тайный покупатель."),
    "err.plan_shopper_disabled": (
        "{shopper}'s account is disabled; pick another shopper or enable it in Admin.",
        "Учётная запись {shopper} отключена; выберите другого покупателя или включите её."),
    "err.plan_bad_count": ("Visits a month must be between 0 and {limit}.",
                           "Визитов в месяц — от 0 до {limit}."),
    "err.plan_too_long": ("A plan covers at most {limit} months.",
                          "План охватывает не более {limit} месяцев."),
    "err.plan_bad_zone": ("Location {location_id} has an unknown time zone “{zone}”; fix it in Admin.",
                          "У точки {location_id} неизвестный часовой пояс «{zone}»; исправьте "
                          "в «Администрировании»."),
    "err.plan_unknown_template": ("There is no checklist “{template}”.",
                                  "Чек-листа «{template}» нет."),
    "err.plan_forbidden": ("Only HQ plans visits.", "Планировать визиты может только головной офис."),
    "err.visit_not_found": (
        "This visit does not exist or is planned for another shopper.",
        "Такого визита нет, или он назначен другому покупателю."),
    "err.visit_already_started": (
        "This visit is already under way: continue its audit from My visits.",
        "Этот визит уже начат: продолжите его аудит в разделе «Мои визиты»."),
    "err.visit_done": ("This visit is already done.", "Этот визит уже выполнен."),
    "err.visit_cancelled": ("HQ cancelled this visit.", "Головной офис отменил этот визит."),
    "err.visit_missed": ("The window of this visit closed more than a week ago; ask HQ for a "
                         "new one.", "Окно этого визита закрылось больше недели назад; "
                         "попросите головной офис назначить новый."),
    "err.visit_location_disabled": ("Location {name} is disabled; this visit cannot start. "
                                    "Ask HQ.", "Точка {name} отключена; визит начать нельзя. "
                                    "Обратитесь в головной офис."),
    "err.visit_location_gone": ("The location of this visit no longer exists. Ask HQ.",
                                "Точки этого визита больше нет. Обратитесь в головной офис."),
    "err.visit_account_disabled": ("Your account is disabled.", "Ваша учётная запись отключена."),
    "err.bad_position": (
        "The phone reported an impossible position ({field} = {value}); nothing was saved. "
        "Turn location on and try again, or continue without a position.",
        "Телефон сообщил невозможное местоположение ({field} = {value}); ничего не сохранено. "
        "Включите геолокацию и попробуйте снова или продолжите без неё."),
    "err.bad_zone": ("“{zone}” is not a time zone; pick one such as Europe/Moscow.",
                     "«{zone}» — не часовой пояс; выберите, например, Europe/Moscow."),
    "err.review_not_mystery": ("Only mystery audits are reviewed.",
                               "Проверяются только аудиты тайных покупателей."),
    "err.review_empty_comment": ("Write the comment first.", "Сначала напишите комментарий."),
    "err.review_comment_too_long": ("A comment is at most {limit} characters.",
                                    "Комментарий — не длиннее {limit} символов."),
    "err.review_already_published": ("A published audit is not sent back; unpublish it first.",
                                     "Опубликованный аудит не возвращают; сначала снимите "
                                     "публикацию."),
    "err.review_say_why": ("Say what to fix: a note, or a comment on an item.",
                           "Напишите, что исправить: заметку или комментарий к пункту."),
    "err.review_bad_grade": ("A grade is 1 to 5.", "Оценка — от 1 до 5."),
    # proof of visit
    "proof.on_site": ("on site ({distance})", "на месте ({distance})"),
    "proof.far": ("far ({distance})", "далеко ({distance})"),
    "proof.none": ("no position given", "местоположение не передано"),
    "proof.unplaced": ("position given; the location has no coordinates",
                       "местоположение есть; у точки нет координат"),
    # history
    "history.started": ("Started", "Начат"),
    "history.submitted": ("Submitted", "Отправлен"),
    "history.resubmitted": ("Resubmitted after fixes", "Отправлен снова после исправлений"),
    "history.sent_back": ("Sent back to the shopper: {note}", "Возвращён покупателю: {note}"),
    "history.comment": ("Comment on {item}: {text}", "Комментарий к {item}: {text}"),
    "history.published": ("Published to the branch", "Опубликован для точки"),
    "history.unpublished": ("Unpublished", "Публикация снята"),
    "history.graded": ("Shopper's report graded {grade}/5: {note}",
                       "Отчёт покупателя оценён на {grade}/5: {note}"),
    "history.reopened": ("Reopened: {reason}", "Открыт повторно: {reason}"),
    "history.position": ("Position at {stage}: {proof}", "Местоположение при {stage}: {proof}"),
    "history.stage_start": ("start", "начале"),
    "history.stage_submit": ("submit", "отправке"),
    # stages
    "stage.draft": ("Draft", "Черновик"),
    "stage.sent_back": ("Sent back for fixes", "Возвращён на доработку"),
    "stage.submitted": ("Submitted", "Отправлен"),
    "stage.in_review": ("In review", "На проверке"),
    "stage.published": ("Published", "Опубликован"),
    # visit states
    "visit.upcoming": ("Upcoming", "Предстоит"),
    "visit.due": ("Due now", "Пора"),
    "visit.started": ("In progress", "В работе"),
    "visit.overdue": ("Overdue", "Просрочен"),
    "visit.missed": ("Missed", "Пропущен"),
    "visit.done": ("Done", "Выполнен"),
    "visit.cancelled": ("Cancelled", "Отменён"),
    "visit.planned": ("Planned", "Запланировано"),
    "visit.doubtful": ("Doubtful", "Сомнительно"),
}
