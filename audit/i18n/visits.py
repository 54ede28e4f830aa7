"""Words of visit plans, proof of visit and the review step, in English and Russian."""

from __future__ import annotations

# key: (en, ru), merged into audit.i18n.STRINGS
STRINGS: dict[str, tuple[str, str]] = {
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
    "err.visit_bad_status": ("A visit can be planned or cancelled here, not “{status}”.",
                             "Визит можно только запланировать или отменить, но не «{status}»."),
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
    "history.acknowledged": ("Report acknowledged by the branch", "Точка ознакомилась с отчётом"),
    "history.reopened": ("Reopened: {reason}", "Открыт повторно: {reason}"),
    "history.position": ("Position at {stage}: {proof}", "Местоположение при {stage}: {proof}"),
    "history.photos_arriving": ("Submitted on the phone; photos on their way: {count}",
                                "Отправлен с телефона; фото в пути: {count}"),
    "history.photos_released": ("Completed without {count} photos that never arrived from the "
                                "phone; missing: {items}",
                                "Завершён без фото, которые так и не пришли с телефона ({count}); "
                                "нет фото: {items}"),
    "history.photos_released_auto": ("Completed after {hours} h without {count} photos that never "
                                     "arrived from the phone; missing: {items}",
                                     "Завершён через {hours} ч без фото, которые так и не пришли с "
                                     "телефона ({count}); нет фото: {items}"),
    "history.stage_start": ("start", "начале"),
    "history.stage_submit": ("submit", "отправке"),
    # stages
    "stage.draft": ("Draft", "Черновик"),
    "stage.sent_back": ("Sent back for fixes", "Возвращён на доработку"),
    "stage.submitted": ("Submitted", "Отправлен"),
    "stage.in_review": ("In review", "На проверке"),
    "stage.published": ("Published", "Опубликован"),
    "stage.arriving": ("Submitted, photos arriving", "Отправлен, фото в пути"),
    # the position element
    "geo.ask": ("Share my position", "Поделиться местоположением"),
    "geo.asking": ("Asking the phone…", "Спрашиваем телефон…"),
    "geo.denied": ("Position not shared. You can go on without it; HQ will see "
                   "“no position given”.", "Местоположение не передано. Можно продолжить без "
                   "него; головной офис увидит «местоположение не передано»."),
    "geo.failed": ("The phone could not find its position. Try again outdoors, or go on without.",
                   "Телефон не смог определить местоположение. Попробуйте на улице или "
                   "продолжите без него."),
    "geo.unsupported": ("This browser cannot report a position.",
                        "Этот браузер не сообщает местоположение."),
    "geo.have": ("Position received (±{accuracy} m).", "Местоположение получено (±{accuracy} м)."),
    "geo.why_start": (
        "To prove the visit took place, please share where you are as you start. Only HQ sees "
        "it — never the branch — and only the distance to the branch is shown.",
        "Чтобы подтвердить визит, пожалуйста, поделитесь местоположением в начале. Его видит "
        "только головной офис — не точка, — и показывается лишь расстояние до точки."),
    "geo.why_submit": (
        "Before you submit, please share your position once more: it confirms you were on site. "
        "Only HQ sees it.",
        "Перед отправкой, пожалуйста, поделитесь местоположением ещё раз: это подтверждает, "
        "что вы были на месте. Его видит только головной офис."),
    # my visits
    "visit.none": ("No visits planned for you right now.", "Сейчас для вас нет запланированных "
                   "визитов."),
    "visit.scenario": ("Scenario", "Сценарий"),
    "visit.continue": ("Continue the audit", "Продолжить аудит"),
    "visit.start": ("Start visit", "Начать визит"),
    "visit.starting": ("Starting the visit to {name}", "Начинаем визит в {name}"),
    "visit.start_now": ("Start the audit", "Начать аудит"),
    "visit.outside_window": ("outside its window", "вне окна визита"),
    # HQ's visits page
    "visit.tab_coverage": ("Coverage", "Покрытие"),
    "visit.tab_plan": ("Plan visits", "Планирование"),
    "visit.tab_shoppers": ("Shoppers", "Покупатели"),
    "visit.months": ("Months", "Месяцы"),
    "visit.all_regions": ("All regions", "Все регионы"),
    "visit.show": ("Only rows with", "Только строки, где есть"),
    "visit.no_visits": ("No visits planned in these months.", "В эти месяцы визитов нет."),
    "visit.month": ("Month", "Месяц"),
    "visit.grid_legend": ("Each cell: visits done of all planned in the month; ⚠ overdue, "
                          "✗ missed, ? doubtful (done far away or outside the window).",
                          "В клетке: выполнено визитов из запланированных за месяц; "
                          "⚠ просрочено, ✗ пропущено, ? сомнительно (далеко или вне окна)."),
    "visit.late_shoppers": ("Late shoppers", "Опаздывающие покупатели"),
    "visit.shopper": ("Shopper", "Покупатель"),
    "visit.doubtful_list": ("{count} doubtful visits: far away or outside the window",
                            "Сомнительных визитов: {count} — далеко от точки или вне окна"),
    "visit.every_location_in": ("Every location in region", "Все точки региона"),
    "visit.or_locations": ("and/or these locations", "и/или эти точки"),
    "visit.from": ("From", "С"),
    "visit.to": ("To", "По"),
    "visit.per_month": ("Visits a month per location", "Визитов в месяц на точку"),
    "visit.per_month_help": ("0: one visit per location in the whole span. 2: the month in two "
                             "halves, one visit in each.", "0: один визит на точку за весь "
                             "период. 2: месяц делится пополам, по визиту в каждой половине."),
    "visit.weekdays": ("Only on these weekdays", "Только в эти дни недели"),
    "visit.time_from": ("From (local time)", "С (местное время)"),
    "visit.time_to": ("To (local time)", "До (местное время)"),
    "visit.shoppers": ("Shoppers", "Покупатели"),
    "visit.shoppers_help": ("Several are taken in turn; none leaves the visits open to any "
                            "shopper of the region.", "Несколько — по очереди; если никого не "
                            "выбрать, визит может взять любой покупатель региона."),
    "visit.scenario_ru": ("Scenario (Russian)", "Сценарий (по-русски)"),
    "visit.scenario_en": ("Scenario (English)", "Сценарий (по-английски)"),
    "visit.make_plan": ("Plan the visits", "Запланировать визиты"),
    "visit.planned_n": ("{count} visits planned.", "Запланировано визитов: {count}."),
    "visit.plans": ("Latest plans", "Последние планы"),
    "visit.on_time": ("On time", "Вовремя"),
    "visit.grade": ("Grade", "Оценка"),
    "visit.graded": ("Graded", "Оценено"),
    # review
    "review.empty": ("Nothing waits for review.", "На проверке ничего нет."),
    "review.open": ("Review", "Проверить"),
    "review.arriving_title": ("Submitted, photos arriving", "Отправлены, фото в пути"),
    "review.arriving_row": ("submitted, photos arriving ({count})", "отправлен, фото в пути ({count})"),
    "review.release": ("Complete without the missing photos", "Завершить без недостающих фото"),
    "review.release_help": ("The phone has not sent these photos yet. Completing now scores the "
                            "audit without them; they are listed as missing, and a photo that "
                            "comes later is refused. After {hours} h this happens by itself.",
                            "Телефон ещё не прислал эти фото. Если завершить сейчас, аудит будет "
                            "оценён без них; они будут указаны как отсутствующие, а пришедшее "
                            "позже фото не примется. Через {hours} ч это произойдёт само."),
    "review.released": ("Completed without the missing photos.", "Завершён без недостающих фото."),
    "review.open_item": ("Open the item", "Открыть пункт"),
    "review.sent_back_banner": ("Sent back by the reviewer: {note}. Comments on {count} items "
                                "follow; open each, fix it and submit again.",
                                "Возвращено проверяющим: {note}. Ниже комментарии к пунктам "
                                "({count}); откройте каждый, исправьте и отправьте снова."),
    "review.proof": ("Proof of visit (HQ only)", "Подтверждение визита (только головной офис)"),
    "review.proof_start": ("At start", "В начале"),
    "review.proof_submit": ("At submit", "При отправке"),
    "review.proof_photo": ("Photo {sha}", "Фото {sha}"),
    "review.title": ("Review", "Проверка"),
    "review.item": ("Item", "Пункт"),
    "review.comment": ("Comment for the shopper", "Комментарий для покупателя"),
    "review.add_comment": ("Add the comment", "Добавить комментарий"),
    "review.publish": ("Publish to the branch", "Опубликовать для точки"),
    "review.send_back": ("Send back to the shopper", "Вернуть покупателю"),
    "review.send_back_note": ("What to fix", "Что исправить"),
    "review.grade": ("Grade the shopper's report", "Оценка отчёта покупателя"),
    "review.grade_note": ("Note on the grade", "Пояснение к оценке"),
    "review.save_grade": ("Save the grade", "Сохранить оценку"),
    "review.history": ("History ({count} steps)", "История (шагов: {count})"),
    # admin
    "place.lat": ("Latitude", "Широта"),
    "place.lon": ("Longitude", "Долгота"),
    "place.tz": ("Time zone", "Часовой пояс"),
    "place.from_photo": ("Take the coordinates and the zone from a photo's GPS",
                         "Взять координаты и пояс из GPS фотографии"),
    "place.no_gps": ("This photo has no GPS position.", "В этой фотографии нет GPS-координат."),
    "err.no_gps": ("This photo has no GPS position: the coordinates were not changed. Take it "
                   "with the camera's location turned on, or type them in.",
                   "В этой фотографии нет GPS-координат: координаты не изменены. Снимите с "
                   "включённой геолокацией камеры или введите их вручную."),
    "place.from_photo_done": ("Saved from the photo: {lat:.5f}, {lon:.5f}, {zone}.",
                              "Сохранено из фото: {lat:.5f}, {lon:.5f}, {zone}."),
    "place.regions": ("Regions (reviewers; shoppers take open visits there)",
                      "Регионы (проверяющие; покупатели берут там открытые визиты)"),
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
