"""Words the product says, in Russian and English, and how answers and scores read aloud."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audit.i18n.actions import ACTION_STRINGS
from audit.i18n.formats import fmt
from audit.i18n.integrations import STRINGS as INTEGRATION_STRINGS
from audit.i18n.visits import STRINGS as VISIT_STRINGS
from audit.i18n.voice import STRINGS as VOICE_STRINGS
from audit.model import WEEKDAYS, Answer, Checklist, Condition, Item, ItemScore, wait_minutes
from audit.scoring.expect import ExpectedGot
from audit.typos.check import NOTES as TYPO_NOTES

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
    "why.hidden": ("skipped: asked only when {when}", "пропущен: задаётся, только если {when}"),
    "why.section_na": ("the section does not apply: {reason}", "раздел не применим: {reason}"),
    "why.section_na_no_reason": ("the section does not apply", "раздел не применим"),
    "when.is": ("“{item}” is {values}", "«{item}» — {values}"),
    "when.or": (" or ", " или "),
    "when.and": (" and ", " и "),
    "when.not": ("not ({inner})", "не ({inner})"),
    "when.min": ("at least {n}", "не меньше {n}"),
    "when.max": ("at most {n}", "не больше {n}"),
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
    "err.mixed_zones": ("The stopwatch's start and end are in different time formats; start it again.",
                        "Начало и конец секундомера записаны в разных форматах времени; запустите его заново."),
    "err.bad_hours": ("Give the opening and closing time, like 09:00–18:00.",
                      "Укажите время открытия и закрытия, например 09:00–18:00."),
    "err.bad_typos": ("Paste the website text first.", "Сначала вставьте текст с сайта."),
    "err.not_text": ("Text is needed.", "Нужен текст."),
    "err.unknown_item": ("This item is not in the checklist.", "Этого пункта нет в чек-листе."),
    "err.na_not_allowed": ("N/A is not allowed for this item.", "Для этого пункта Н/П не допускается."),
    "err.section_na_not_allowed": ("This section cannot be marked as not applicable.",
                                   "Этот раздел нельзя отметить как неприменимый."),
    "err.na_reason_needed": ("Say why the section does not apply.", "Укажите, почему раздел не применим."),
    "err.too_long": ("The text is longer than {limit} characters.", "Текст длиннее {limit} символов."),
    "err.too_many_words": ("More than {limit} words.", "Больше {limit} слов."),
    "err.not_found": ("Not found.", "Не найдено."),
    "err.photo_by_hash": ("A photo is attached by sending it from this phone; this old entry named "
                          "it otherwise and was not saved. Take or pick the photo again.",
                          "Фото прикрепляется только отправкой с этого телефона; эта старая запись "
                          "указывала его иначе и не сохранена. Сделайте или выберите фото снова."),
    "err.photo_not_uploaded": ("This photo was not sent to this audit from your phone.",
                               "Это фото не отправлялось в этот аудит с вашего телефона."),
    "err.photo_too_late": ("This photo came too late: the audit was completed without it on "
                           "{at}. It was not added; keep it if HQ asks for it.",
                           "Фото пришло слишком поздно: аудит завершён без него {at}. Оно не "
                           "добавлено; сохраните его, если головной офис попросит."),
    "err.not_held": ("This audit no longer waits for photos: they have arrived, or it was "
                     "completed already.", "Этот аудит больше не ждёт фото: они пришли, или он "
                     "уже завершён."),
    "err.audit_locked": ("This audit is submitted and read-only. Ask HQ to reopen it.",
                         "Аудит отправлен и доступен только для чтения. Попросите головной офис открыть его."),
    "err.store_damaged": ("{path} is missing or does not hold what the app writes. The app stops here so that "
                          "nothing is overwritten: restore the file from a backup (backups/ in the data folder, "
                          "or your own copy), then start the app again.",
                          "Файл {path} отсутствует или повреждён. Приложение остановлено, чтобы ничего не "
                          "перезаписать: восстановите файл из резервной копии (папка backups/ в папке данных "
                          "или ваша копия) и запустите приложение снова."),
    "err.people_lost": ("This store has had accounts, but {path} holds none now. The app stops here, and "
                        "offers no first account, so that nobody can take it over: restore {path} from "
                        "a backup (backups/ in the data folder, or your own copy), then start the app "
                        "again. `audit check` reports it.",
                        "В этом хранилище были учётные записи, но в {path} их сейчас нет. Приложение "
                        "остановлено и не предлагает создать первую учётную запись, чтобы никто не мог "
                        "его захватить: восстановите {path} из резервной копии (папка backups/ в папке "
                        "данных или ваша копия) и запустите приложение снова. `audit check` сообщает об этом."),
    "err.store_unavailable": ("The data store cannot be used: {reason}",
                              "Хранилище данных недоступно: {reason}"),
    "err.layout_outdated": ("The data was saved by an older version of the app. Stop the app, run `{command}` (it keeps a copy first), then start the app again.",
                            "Данные сохранены старой версией приложения. Остановите приложение, выполните `{command}` (сначала будет сделана копия) и запустите приложение снова."),
    "err.layout_too_new": ("The data was saved by a newer version of the app (format {found}; this one knows {known}). Update the app.",
                           "Данные сохранены более новой версией приложения (формат {found}, эта знает {known}). Обновите приложение."),
    "check.clean": ("Data check at start ({at} UTC): no problems found.",
                    "Проверка данных при запуске ({at} UTC): проблем не найдено."),
    "check.settled": ("Interrupted changes finished from their journal: {finished}; leftover temp "
                      "files removed: {removed}.",
                      "Прерванных изменений завершено по журналу: {finished}; удалено "
                      "оставшихся временных файлов: {removed}."),
    "check.problems": ("Data check at start ({at} UTC) found {count} problem(s). Stop the app and "
                       "run `audit check --repair`; it rebuilds lists and totals from the audits.",
                       "Проверка данных при запуске ({at} UTC) нашла проблем: {count}. Остановите "
                       "приложение и выполните `audit check --repair`: списки и итоги будут "
                       "перестроены по аудитам."),
    "err.store_full": ("The server's disk is full, so this was not saved. Everything saved before is kept. "
                       "Tell HQ: space must be freed on the server, then try again.",
                       "Диск сервера заполнен, поэтому это не сохранено. Всё, что сохранено раньше, на месте. "
                       "Сообщите в головной офис: на сервере нужно освободить место, затем повторите."),
    "err.store_error": ("Could not save: {reason}. Nothing already saved was lost; try again.",
                        "Не удалось сохранить: {reason}. Сохранённое ранее не потеряно; попробуйте ещё раз."),
    "err.submit_refused": ("{count} required answers or photos are missing.",
                           "Не хватает обязательных ответов или фото: {count}."),
    "err.bad_credentials": ("Wrong name or password.", "Неверное имя или пароль."),
    "err.locked": ("Too many failed attempts. The account is locked for {minutes} min.",
                   "Слишком много неудачных попыток. Вход заблокирован на {minutes} мин."),
    "err.rate_limited": ("Too many sign-in attempts. Wait {minutes} min and try again.",
                         "Слишком много попыток входа. Подождите {minutes} мин и попробуйте снова."),
    "err.too_many_uploads": ("More than {count} photos in a minute. Wait {seconds} s and send the rest.",
                             "Больше {count} фото за минуту. Подождите {seconds} с и отправьте остальные."),
    "err.signin_missing": ("Enter your user name and password.", "Введите имя пользователя и пароль."),
    "err.signin_bad_form": ("The sign-in form arrived damaged. Reload the page and sign in again.",
                            "Форма входа пришла повреждённой. Перезагрузите страницу и войдите снова."),
    "err.busy": ("The server is busy signing others in. Try again in a minute.",
                 "Сервер занят входом других пользователей. Попробуйте через минуту."),
    "err.disabled": ("This account is disabled. Ask HQ.", "Эта учётная запись отключена. Обратитесь в головной офис."),
    "err.password_short": ("The password needs at least {min} characters.",
                           "Пароль должен быть не короче {min} символов."),
    "err.bad_name": ("A user name is 2–40 lowercase Latin letters, digits, dot, dash or underscore.",
                     "Имя пользователя — 2–40 строчных латинских букв, цифр, точка, дефис или подчёркивание."),
    "err.user_exists": ("User {name} already exists.", "Пользователь {name} уже есть."),
    "err.unknown_location": ("No location {locations}.", "Нет точки {locations}."),
    "err.bad_email": ("{address} is not an e-mail address ({reason}). Nothing was saved; fix it and save again.",
                      "{address} — не адрес электронной почты. Ничего не сохранено: исправьте адрес и сохраните снова."),
    "err.bad_email_controls": ("The e-mail address {address} contains a line break or another control character. Nothing was saved; type the address on one line.",
                               "В адресе {address} есть перевод строки или другой управляющий символ. Ничего не сохранено: введите адрес одной строкой."),
    "err.bad_email_many": ("{address} is more than one address: one e-mail address per person, without commas or semicolons. Nothing was saved.",
                           "{address} — больше одного адреса: у человека один адрес, без запятых и точек с запятой. Ничего не сохранено."),
    "err.bad_role": ("Unknown role.", "Неизвестная роль."),
    "err.no_user": ("No such user.", "Нет такого пользователя."),
    "err.not_first_run": ("Accounts already exist; sign in instead.", "Учётные записи уже есть; войдите."),
    "err.signed_out": ("You are signed out. Sign in again: answers kept on this phone are sent then.",
                       "Вы вышли из системы. Войдите снова — ответы, сохранённые на телефоне, будут отправлены."),
    "err.forbidden_origin": ("Refused: the request did not come from this app's page. Reload the page.",
                             "Отклонено: запрос пришёл не со страницы приложения. Перезагрузите страницу."),
    "err.bad_batch": ("The phone sent something the server cannot read ({reason}). Reload the page.",
                      "Телефон прислал то, что сервер не может прочитать ({reason}). Перезагрузите страницу."),
    "err.unknown_section": ("This section is not in the checklist.", "Этого раздела нет в чек-листе."),
    "err.body_too_large": ("Refused: the request is larger than this address takes ({limit}). "
                           "Nothing was saved from it; everything saved before is kept.",
                           "Отклонено: запрос больше, чем принимает этот адрес ({limit}). Из него "
                           "ничего не сохранено; всё сохранённое раньше на месте."),
    "err.json_syntax": ("Refused: the request is not valid JSON. Reload the page.",
                        "Отклонено: запрос — не корректный JSON. Перезагрузите страницу."),
    "err.json_depth": ("Refused: the request nests values deeper than {limit} levels. Reload the page.",
                       "Отклонено: в запросе вложенность глубже {limit} уровней. Перезагрузите страницу."),
    "err.json_number": ("Refused: the request holds a number that is not finite ({value}). "
                        "Reload the page.",
                        "Отклонено: в запросе есть число, которое не конечно ({value}). "
                        "Перезагрузите страницу."),
    "err.too_many_batches": ("More than {count} sends from this phone in a minute. The rest waits "
                             "on the phone and goes in {seconds} s.",
                             "Больше {count} отправок с телефона за минуту. Остальное ждёт на "
                             "телефоне и уйдёт через {seconds} с."),
    "err.uploads_in_flight": ("{count} of your photos are being received already. This one waits "
                              "on the phone and goes in {seconds} s.",
                              "Уже принимается {count} ваших фото. Это ждёт на телефоне и уйдёт "
                              "через {seconds} с."),
    "err.photos_busy": ("The server is receiving many photos right now. This one waits on the phone "
                        "and goes in {seconds} s.",
                        "Сервер сейчас принимает много фото. Это ждёт на телефоне и уйдёт через "
                        "{seconds} с."),
}


# Screens. Kept apart from the domain words above so a translator sees them together.
UI_STRINGS: dict[str, tuple[str, str]] = {
    "nav.dashboard": ("Dashboard", "Сводка"),
    "nav.audits": ("Audits", "Аудиты"),
    "nav.start": ("New audit", "Новый аудит"),
    "nav.locations": ("Locations", "Точки"),
    "nav.admin": ("Admin", "Управление"),
    "ui.app_title": ("Customer journey audit", "Аудит клиентского пути"),
    "ui.language": ("Language", "Язык"),
    "ui.sign_in": ("Sign in", "Войти"),
    "ui.sign_in_sso": ("Sign in with your company account", "Войти через корпоративную учётную запись"),
    "ui.sso_unknown": ("{email} has no account here yet. Ask HQ to add your e-mail.",
                       "Для {email} здесь пока нет учётной записи. Попросите головной офис добавить ваш e-mail."),
    "ui.sign_out": ("Sign out", "Выйти"),
    "ui.form_back": ("Back to the form", "Назад к форме"),
    "ui.user_name": ("User name", "Имя пользователя"),
    "ui.password": ("Password", "Пароль"),
    "ui.password_again": ("Password again", "Пароль ещё раз"),
    "ui.passwords_differ": ("The passwords differ.", "Пароли не совпадают."),
    "ui.first_run": ("Welcome! There are no accounts yet. Create the first HQ account, or load demo "
                     "data to look around.",
                     "Добро пожаловать! Учётных записей пока нет. Создайте первую учётную запись "
                     "головного офиса или загрузите демо-данные, чтобы осмотреться."),
    "ui.first_hq": ("First HQ account", "Первая учётная запись головного офиса"),
    "ui.create_account": ("Create account", "Создать учётную запись"),
    "ui.demo_offer": ("**Just looking?** Load a demo network: 15 locations, shoppers, managers and a "
                      "year of audits.",
                      "**Просто посмотреть?** Загрузите демо-сеть: 15 точек, тайные покупатели, "
                      "управляющие и аудиты за год."),
    "ui.load_demo": ("Load demo data", "Загрузить демо-данные"),
    "ui.loading_demo": ("Building the demo network…", "Создаём демо-сеть…"),
    "ui.demo_loaded": ("Demo data loaded. Sign in as **hq**, **shopper1** or **manager1** with the "
                       "password **{password}**.",
                       "Демо-данные загружены. Войдите как **hq**, **shopper1** или **manager1** с "
                       "паролем **{password}**."),
    # start
    "ui.mode": ("Mode", "Режим"),
    "ui.location": ("Location", "Точка"),
    "ui.template": ("Checklist", "Чек-лист"),
    "ui.audit_language": ("Language of the audit", "Язык аудита"),
    "ui.visit_date": ("Visit date", "Дата визита"),
    "ui.visit_time": ("Visit time", "Время визита"),
    "ui.start_audit": ("Start audit", "Начать аудит"),
    "ui.no_locations": ("You have no locations to audit yet. Ask HQ to assign you one.",
                       "Вам пока не назначены точки. Попросите головной офис назначить."),
    "ui.no_templates": ("No checklists yet. HQ uploads them under Admin.",
                        "Чек-листов пока нет. Головной офис загружает их в разделе «Управление»."),
    # lists
    "ui.my_audits": ("My audits", "Мои аудиты"),
    "ui.my_drafts": ("My drafts", "Мои черновики"),
    "ui.no_drafts": ("No drafts.", "Черновиков нет."),
    "ui.my_submitted": ("Submitted", "Отправленные"),
    "ui.recent_network": ("Recent audits in the network", "Последние аудиты в сети"),
    "ui.recent_mine": ("Recent audits of my locations", "Последние аудиты моих точек"),
    "ui.show_month": ("Show", "Показать"),
    "ui.latest_n": ("The latest {n}", "Последние {n}"),
    "ui.resume": ("Resume", "Продолжить"),
    "ui.open": ("Open", "Открыть"),
    # walkthrough
    "ui.progress": ("{done} of {total} answered", "Отвечено {done} из {total}"),
    "ui.back": ("Back", "Назад"),
    "ui.critical": ("critical", "критично"),
    "ui.guidance": ("How to judge", "Как оценивать"),
    "ui.na_long": ("Not applicable here", "Не применимо здесь"),
    "ui.section_na": ("This section does not apply", "Раздел не применим"),
    "ui.section_na_tap": ("Skip the section: {reason}", "Пропустить раздел: {reason}"),
    "ui.section_na_reason": ("Why does it not apply?", "Почему не применим?"),
    "ui.section_na_done": ("Skipped: {reason}", "Пропущен: {reason}"),
    "ui.section_na_undo": ("Answer this section after all", "Всё-таки ответить на раздел"),
    "ui.type_here": ("Type here…", "Введите текст…"),
    "ui.started_waiting": ("Started waiting", "Начал ждать"),
    "ui.served": ("Served", "Обслужили"),
    "ui.waiting_since": ("Waiting since {time} ({minutes} min so far). Tap “Served” when it is your turn.",
                         "Ждёте с {time} (уже {minutes} мин). Нажмите «Обслужили», когда подойдёт очередь."),
    "ui.minutes_waited": ("Minutes waited", "Минут ожидания"),
    "ui.minutes_help": ("The stopwatch fills this in; you can also type the minutes.",
                        "Секундомер заполняет это сам; минуты можно ввести и вручную."),
    "ui.fill_hours": ("Fill in the posted hours of this location", "Заполнить часы работы этой точки"),
    "ui.hours_hint": ("Opening–closing time per day, like 09:00–18:00 or 9–18; empty means closed.",
                      "Время открытия–закрытия по дням, например 09:00–18:00 или 9–18; пусто — выходной."),
    "ui.open_photo": ("Open a photo", "Открыть фото"),
    "ui.uploaded_at": ("uploaded {time}", "загружено {time}"),
    "ui.captured_at": ("taken {time}", "снято {time}"),
    "ui.flag_duplicate": ("same photo in another audit", "то же фото в другом аудите"),
    "ui.flag_similar": ("very similar photo in another audit", "очень похожее фото в другом аудите"),
    "ui.flag_old": ("taken long before the visit", "снято задолго до визита"),
    "photo.flags_more": ("+{count} more", "и ещё {count}"),
    "ui.comment": ("Comment", "Комментарий"),
    "ui.keep_originals": ("Keep original photos", "Хранить исходные фото"),
    "ui.keep_originals_help": ("Off: only the 1600 px display copy and the thumbnail are kept (less disk, no full-resolution evidence).",
                               "Выключено: хранятся только копия 1600 px и миниатюра (меньше места, но без снимка в полном разрешении)."),
    "ui.missing_title": ("{count} things are missing before you can submit:",
                         "Перед отправкой не хватает: {count}"),
    "ui.missing_answer": ("Answer", "Ответ"),
    "ui.missing_photo": ("Photo", "Фото"),
    "ui.skipped_items": ("Not asked after earlier answers ({count})", "Не спрашивались после предыдущих ответов ({count})"),
    "ui.why_points_lost": ("Why points were lost ({count})", "Почему потеряны баллы ({count})"),
    "ui.finding_cost": ("cost {points} of 100", "стоило {points} из 100"),
    "ui.finding_cost_cap": ("cost {points} of 100, and its cap {cap} more",
                            "стоило {points} из 100 и ещё {cap} — ограничение оценки"),
    "ui.since_title": ("Since the previous audit ({date})", "С прошлого аудита ({date})"),
    "ui.since_score": ("Score {before} → {now} ({diff} pts)", "Оценка {before} → {now} ({diff} п. п.)"),
    "ui.since_computed": ("Before the cap: {before} → {now} ({diff} pts)",
                          "Без ограничения: {before} → {now} ({diff} п. п.)"),
    "ui.since_counts": ("New findings: {new} · again: {again} · fixed: {fixed}",
                        "Новых замечаний: {new} · повторились: {again} · исправлено: {fixed}"),
    "ui.since_new": ("new", "новое"),
    "ui.since_again": ("again", "повторилось"),
    "ui.since_fixed": ("fixed", "исправлено"),
    "ui.since_all": ("Every change since then ({count})", "Все изменения с того аудита ({count})"),
    "ui.submit": ("Submit audit", "Отправить аудит"),
    "ui.delete_draft": ("Delete this draft", "Удалить черновик"),
    "ui.delete_confirm": ("Delete this draft with all its answers and photos? This cannot be undone.",
                          "Удалить черновик со всеми ответами и фото? Это нельзя отменить."),
    "ui.delete_yes": ("Yes, delete", "Да, удалить"),
    "ui.cancel": ("Cancel", "Отмена"),
    "ui.critical_banner": ("Critical failure: computed {computed}, capped to {capped}.",
                           "Критичное нарушение: рассчитано {computed}, ограничено до {capped}."),
    "ui.section": ("Section", "Раздел"),
    "ui.month": ("Month", "Месяц"),
    "ui.points": ("Points", "Баллы"),
    "ui.submitted_read_only": ("Submitted {time}. Read-only.", "Отправлен {time}. Только чтение."),
    "ui.publish": ("Publish to the branch", "Показать управляющему"),
    "ui.unpublish": ("Hide from the branch", "Скрыть от управляющего"),
    "ui.reopen": ("Reopen", "Открыть заново"),
    "ui.reopen_reason": ("Why reopen?", "Причина"),
    "ui.pdf_language": ("PDF language", "Язык PDF"),
    "ui.download_pdf": ("Download PDF", "Скачать PDF"),
    # admin
    "ui.people": ("People", "Люди"),
    "ui.locations": ("Locations", "Точки"),
    "ui.templates": ("Checklists", "Чек-листы"),
    "ui.brand": ("Brand and photos", "Бренд и фото"),
    "ui.role": ("Role", "Роль"),
    "ui.display_name": ("Display name", "Отображаемое имя"),
    "ui.email": ("E-mail (company sign-in and notifications)", "E-mail (корпоративный вход и уведомления)"),
    "ui.their_locations": ("Locations", "Точки"),
    "ui.any_location": ("May audit any location", "Может проверять любую точку"),
    "ui.disabled": ("Disabled", "Отключена"),
    "ui.add_person": ("Add person", "Добавить человека"),
    "ui.save": ("Save", "Сохранить"),
    "ui.saved": ("Saved.", "Сохранено."),
    "ui.added": ("Added {name}.", "Добавлен {name}."),
    "ui.new_password": ("New password", "Новый пароль"),
    "ui.set_password": ("Set password", "Сменить пароль"),
    "ui.password_set": ("Password changed; their other sessions have ended.",
                        "Пароль изменён; другие сеансы этого человека завершены."),
    "ui.location_id": ("Id (Latin letters, digits, hyphens)", "Код (латиница, цифры, дефис)"),
    "ui.name": ("Name", "Название"),
    "ui.region": ("Region", "Регион"),
    "ui.address": ("Address", "Адрес"),
    "ui.hours": ("Opening hours", "Часы работы"),
    "ui.add_location": ("Add location", "Добавить точку"),
    "ui.bad_location_id": ("The id must be Latin letters, digits and hyphens.",
                           "Код — латинские буквы, цифры и дефис."),
    "ui.location_exists": ("A location with this id exists.", "Точка с таким кодом уже есть."),
    "ui.name_required": ("A name is required.", "Нужно название."),
    "ui.upload_template": ("Upload a checklist (YAML)", "Загрузить чек-лист (YAML)"),
    "ui.template_added": ("Added {id} version {version}. Audits already started keep their version.",
                          "Добавлен {id}, версия {version}. Начатые аудиты остаются на своей версии."),
    "ui.template_refused": ("Refused, nothing changed. {count} problems:",
                            "Отклонено, ничего не изменено. Проблем: {count}"),
    "ui.versions": ("Versions", "Версии"),
    "ui.brand_name": ("Brand name on reports", "Название бренда в отчётах"),
    "ui.brand_colour": ("Brand colour", "Цвет бренда"),
    "ui.brand_logo": ("Logo (PNG or JPEG)", "Логотип (PNG или JPEG)"),
    "err.bad_logo": ("The logo must be a PNG or JPEG of at most {kb} KB, {mp} megapixels and {side} pixels a side.",
                     "Логотип — PNG или JPEG не больше {kb} КБ, {mp} Мп и {side} пикселей по стороне."),
    # dashboard and locations
    "ui.period": ("Period (months)", "Период (месяцы)"),
    "ui.points_lost": ("Points lost per audit", "Потеряно баллов за аудит"),
    "ui.points_lost_total": ("Points lost", "Потеряно баллов"),
    "ui.item": ("Item", "Пункт"),
    "ui.items_hint": ("Items by the points of 100 they cost the period's audits, after section "
                      "weights. Fail rate: the share of audits that answered no, for yes/no items "
                      "only.",
                      "Пункты по баллам (из 100), которые они стоили аудитам периода, с учётом весов "
                      "разделов. Доля нарушений — доля аудитов с ответом «нет», только для пунктов "
                      "«да/нет»."),
    "ui.all_regions": ("All regions", "Все регионы"),
    "ui.mode_both": ("Both", "Оба"),
    "ui.mode_mystery": ("Mystery", "Тайный покупатель"),
    "ui.mode_self": ("Self", "Самопроверка"),
    "ui.chosen_locations": ("Locations to follow in the trends", "Точки для графика динамики"),
    "ui.no_audits_in_filter": ("No submitted audits match these filters.", "Нет отправленных аудитов под эти фильтры."),
    "ui.audits_in_filter": ("Audits", "Аудитов"),
    "ui.weakest_location": ("Weakest location", "Самая слабая точка"),
    "ui.pick_locations": ("Pick up to 6 locations", "Выберите до 6 точек"),
    "ui.choose": ("Choose", "Выберите"),  # every multiselect's placeholder (Streamlit's is English)
    "ui.change_help": ("Change against the previous period of the same length.",
                       "Изменение к предыдущему периоду той же длины."),
    "ui.weakest_cell": ("Weakest section", "Самый слабый раздел"),
    "ui.gap_headline": ("Self-audits flatter **{name}**: {gap} points above mystery shopping.",
                        "Самопроверки приукрашивают **{name}**: на {gap} п. выше тайного покупателя."),
    "ui.tab_ranking": ("Ranking", "Рейтинг"),
    "ui.tab_heatmap": ("Heatmap", "Тепловая карта"),
    "ui.tab_trends": ("Trends", "Динамика"),
    "ui.tab_items": ("Worst items", "Худшие пункты"),
    "ui.tab_gap": ("Mystery vs self", "Тайный vs самопроверка"),
    "ui.tab_compare": ("Compare", "Сравнение"),
    "ui.tab_export": ("Export", "Выгрузка"),
    "ui.score": ("Score", "Оценка"),
    "ui.level": ("Level", "Уровень"),
    "ui.change": ("Change", "Изменение"),
    "ui.audits": ("Audits", "Аудиты"),
    "ui.critical_count": ("Critical", "Критичные"),
    "ui.network": ("Network", "Сеть"),
    "ui.trend_hint": ("Mean score by month of visit; add locations above to follow them.",
                      "Средняя оценка по месяцам визита; добавьте точки выше, чтобы следить за ними."),
    "ui.fail_rate": ("Fail rate, %", "Доля нарушений, %"),
    "ui.no_gap_data": ("No location has both mystery and self-audits in this period.",
                       "Ни у одной точки нет в этом периоде и тайных покупателей, и самопроверок."),
    "ui.gap_axis": ("Self-audit minus mystery, points", "Самопроверка минус тайный покупатель, п."),
    "ui.gap_hint": ("Red: self-audits score the branch 10+ points above mystery shoppers.",
                    "Красным: самопроверки оценивают точку на 10+ п. выше тайных покупателей."),
    "ui.export_hint": ("{count} audits match the filters; the files also hold their answers.",
                       "Под фильтры подходят аудитов: {count}; в файлах — и их ответы."),
    "ui.history": ("Score over time", "Оценка во времени"),
    "ui.sections_over_time": ("Sections by month", "Разделы по месяцам"),
    "ui.latest_findings": ("Latest findings ({date})", "Последние замечания ({date})"),
    "ui.auditor": ("Auditor", "Аудитор"),
    "ui.no_audits_yet": ("No submitted audits yet.", "Отправленных аудитов пока нет."),
    "ui.sso_emails": ("Company sign-in maps an e-mail to the person who has it in their profile.",
                      "Корпоративный вход сопоставляет e-mail с человеком, у которого он указан в профиле."),
}


def merge(into: dict[str, tuple[str, str]], *tables: dict[str, tuple[str, str]]) -> None:
    """Add each domain's table; a key defined twice is an error here, at import, not a silent
    winner on some screen."""
    for table in tables:
        twice = sorted(into.keys() & table.keys())
        if twice:
            raise ValueError(f"words defined twice: {', '.join(twice)}")
        into.update(table)


merge(STRINGS, UI_STRINGS, VISIT_STRINGS, ACTION_STRINGS, VOICE_STRINGS)
merge(STRINGS, INTEGRATION_STRINGS)

# The walkthrough component (audit/ui/walk): handed to its JavaScript in the page's language.
WALK_STRINGS: dict[str, tuple[str, str]] = {
    "walk.progress": ("{done} of {total} answered", "Отвечено {done} из {total}"),
    "walk.back": ("Back", "Назад"),
    "walk.next": ("Next", "Далее"),
    "walk.review": ("Review and submit", "Проверка и отправка"),
    "walk.sections": ("Sections", "Разделы"),
    "walk.critical": ("critical", "критично"),
    "walk.required": ("required", "обязательно"),
    "walk.guidance": ("How to judge", "Как оценивать"),
    "walk.na": ("N/A", "Н/П"),
    "walk.na_long": ("Not applicable here", "Не применимо здесь"),
    "walk.yes": ("Yes", "Да"),
    "walk.no": ("No", "Нет"),
    "walk.type_here": ("Type here…", "Введите текст…"),
    "walk.started_waiting": ("Started waiting", "Начал ждать"),
    "walk.served": ("Served", "Обслужили"),
    "walk.waiting_since": ("Waiting since {time}: {elapsed}", "Ждёте с {time}: {elapsed}"),
    "walk.waited": ("Waited {elapsed} ({start}–{end})", "Ожидание {elapsed} ({start}–{end})"),
    "walk.minutes_waited": ("Minutes waited (or type them)", "Минут ожидания (или введите вручную)"),
    "walk.minutes": ("min", "мин"),
    "walk.seconds": ("s", "с"),
    "walk.fill_hours": ("Fill in the posted hours of this location", "Заполнить часы работы этой точки"),
    "walk.hours_hint": ("Opening–closing time per day, like 09:00–18:00 or 9–18; empty means closed.",
                        "Время открытия–закрытия по дням, например 09:00–18:00 или 9–18; пусто — выходной."),
    "walk.bad_hours": ("Give the opening and closing time, like 09:00–18:00.",
                       "Укажите время открытия и закрытия, например 09:00–18:00."),
    "walk.closed": ("closed", "выходной"),
    "walk.paste_site_text": ("Paste text from the website", "Вставьте текст с сайта"),
    "walk.no_suspects": ("No suspect words found.", "Подозрительных слов не найдено."),
    "walk.confirm_typos": ("Tap the words that really are typos", "Отметьте слова, которые действительно с ошибкой"),
    "walk.typos_offline": ("Offline: suspect words are looked up once the phone is online; the text is kept.",
                           "Нет связи: подозрительные слова будут найдены, когда появится связь; текст сохранён."),
    "walk.typos_checking": ("Looking for suspect words…", "Ищем подозрительные слова…"),
    "walk.photos_comment": ("Photos ({photos}) and comment", "Фото ({photos}) и комментарий"),
    "walk.photo_needed": ("A photo is needed here.", "Здесь нужно фото."),
    "walk.take_photo": ("Camera", "Камера"),
    "walk.pick_photo": ("Gallery", "Галерея"),
    "walk.photo_queued": ("waiting to be sent", "ждёт отправки"),
    "walk.photo_sending": ("sending {percent}%", "отправка {percent}%"),
    "walk.photo_number": ("Photo {n}", "Фото {n}"),
    "walk.close": ("Close", "Закрыть"),
    "walk.delete_photo": ("Delete photo", "Удалить фото"),
    "walk.delete_photo_confirm": ("Delete this photo?", "Удалить это фото?"),
    "walk.caption": ("What the photo shows", "Что на фото"),
    "walk.open_full": ("Open full size", "Открыть целиком"),
    "walk.comment": ("Comment", "Комментарий"),
    "walk.comment_hint": ("What exactly did you see?", "Что именно вы увидели?"),
    "walk.all_saved": ("All saved", "Всё сохранено"),
    "walk.item_saved": ("saved", "сохранено"),
    "walk.item_pending": ("on this phone", "на телефоне"),
    "walk.item_refused": ("not saved", "не сохранено"),
    "walk.processing": ("preparing the photo…", "готовим фото…"),
    "walk.waiting": ("Waiting to be sent: {count}", "Ждут отправки: {count}"),
    "walk.sending": ("Sending: {count}", "Отправляется: {count}"),
    "walk.offline": ("Offline: answers are kept on this phone ({count})",
                     "Нет связи: ответы сохранены на телефоне ({count})"),
    "walk.offline_none": ("Offline: new answers will be kept on this phone",
                          "Нет связи: новые ответы сохранятся на телефоне"),
    # the offline page (audit/web/offline.py): the app opened without a signal
    "walk.offline_title": ("Audit (offline)", "Аудит (без связи)"),
    "walk.offline_opened": ("No connection: the audit opened from this phone. Answers are kept "
                            "here and sent when the signal returns.",
                            "Нет связи: аудит открыт с телефона. Ответы сохраняются здесь и "
                            "уйдут, когда появится связь."),
    "walk.offline_nothing": ("No connection, and no audit was opened on this phone before. "
                             "Open the app again when the signal returns.",
                             "Нет связи, а аудитов, открытых на этом телефоне раньше, нет. "
                             "Откройте приложение, когда появится связь."),
    "walk.offline_pick": ("No connection. Audits kept on this phone:",
                          "Нет связи. Аудиты, сохранённые на телефоне:"),
    "walk.offline_back": ("The connection is back: open the app", "Связь есть: открыть приложение"),
    "walk.signed_out": ("Signed out: sign in again to send {count} kept on this phone",
                        "Вы вышли: войдите снова, чтобы отправить сохранённое на телефоне ({count})"),
    "walk.not_saved": ("Not saved: {message}", "Не сохранено: {message}"),
    "walk.no_storage": ("This browser cannot keep answers offline; keep the connection.",
                        "Этот браузер не может хранить ответы без связи; не теряйте связь."),
    "walk.photo_refused": ("The photo was not accepted: {message}", "Фото не принято: {message}"),
    "walk.section_na": ("This section does not apply", "Раздел не применим"),
    "walk.section_na_tap": ("Skip the section: {reason}", "Пропустить раздел: {reason}"),
    "walk.section_na_reason": ("Why does it not apply?", "Почему не применим?"),
    "walk.section_na_done": ("Skipped: {reason}", "Пропущен: {reason}"),
    "walk.section_na_undo": ("Answer this section after all", "Всё-таки ответить на раздел"),
    "walk.submit": ("Submit audit", "Отправить аудит"),
    "walk.submit_offline": ("No connection: the audit is submitted from this phone as soon as it "
                            "returns; photos follow on their own.",
                            "Нет связи: аудит отправится с телефона, как только появится связь; "
                            "фото догонят сами."),
    "walk.submit_missing": ("Before submitting, still to answer: {count}",
                            "Перед отправкой осталось ответить: {count}"),
    "walk.submit_preparing": ("Photos are being prepared…", "Фото готовятся…"),
    "walk.review_offline": ("No connection: this review is drawn on the phone from what it holds. "
                            "The score appears once the answers reach the server.",
                            "Нет связи: проверка собрана на телефоне из того, что на нём есть. "
                            "Оценка появится, когда ответы дойдут до сервера."),
    "walk.review_on_phone": ("{count} still on this phone, counted as given",
                             "{count} ещё на телефоне: учтены как данные"),
    "walk.review_given": ("Given: {done} of {total}", "Дано ответов: {done} из {total}"),
    "walk.review_missing": ("{count} things are missing before you can submit:",
                            "Перед отправкой не хватает: {count}"),
    "walk.missing_answer": ("Answer", "Ответ"),
    "walk.missing_photo": ("Photo", "Фото"),
    "walk.submit_queued": ("Submitted on this phone: it reaches the server as soon as the "
                           "connection allows ({count} on this phone).",
                           "Отправлено с телефона: дойдёт до сервера, как только позволит связь "
                           "(на телефоне: {count})."),
    "walk.arriving": ("Submitted, photos arriving ({count})", "Отправлен, фото в пути ({count})"),
    "walk.submitted": ("Submitted", "Отправлен"),
    "ui.on_phone": ("{count} more on this phone, counted as given. The score appears once the "
                    "answers reach the server.",
                    "{count} ещё на телефоне: учтены как данные. Оценка появится, когда ответы "
                    "дойдут до сервера."),
    "ui.photos_on_phone": ("Photos still on this phone: {count}. You can submit now; they follow "
                           "on their own and the audit completes when the last one lands.",
                           "Фото ещё на телефоне: {count}. Можно отправлять: они догонят сами, и "
                           "аудит завершится, когда дойдёт последнее."),
    "ui.arriving": ("Submitted, photos arriving ({count}). Keep this page open, or open it again "
                    "with a connection: the audit completes by itself when the last photo lands.",
                    "Отправлен, фото в пути ({count}). Держите эту страницу открытой или откройте "
                    "её снова при связи: аудит завершится сам, когда дойдёт последнее фото."),
    "ui.outbox_waiting": ("Reading what this phone still holds… The score appears once its answers "
                          "have reached the server.",
                          "Проверяем, что ещё на телефоне… Оценка появится, когда ответы дойдут "
                          "до сервера."),
}
merge(WALK_STRINGS, {f"walk.typos_{status}": pair for status, pair in TYPO_NOTES.items()})
merge(STRINGS, WALK_STRINGS)


class _RuFloat(float):
    """A number as Russian writes it: the format it is asked for, with a decimal comma."""

    def __format__(self, spec: str) -> str:
        return format(float(self), spec).replace(".", ",")

    def __str__(self) -> str:
        return format(float(self), "g").replace(".", ",")


def t(key: str, lang: str, /, **params: Any) -> str:
    """The string for `key` in `lang`, with `params` filled in; the key itself if unknown."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "ru" else pair[0]
    if params:
        if lang == "ru":  # "1,5 балла": a Russian reader's decimal comma in every number
            params = {k: _RuFloat(v) if type(v) is float else v for k, v in params.items()}
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


def _num(x: float, lang: str) -> str:
    """A number in an answer or a reason, as the reader writes it ("56,5" in Russian)."""
    return fmt(lang).num(float(x))


def expectation_text(e: ExpectedGot, lang: str) -> str:
    """One section's expected against got, as the audit page and the PDF write it:
    "expected 5 min, waited 12 min — let down"."""
    def num(x: float) -> str:
        return fmt(lang).num(round(x, 1))

    if e.got is None:
        line = t("expect.not_met", lang, expected=num(e.expected))
    else:
        line = t(f"expect.{e.kind}", lang, expected=num(e.expected), got=num(e.got))
        line += " — " + t(f"expect.where_{e.where}", lang)
    if e.standard:
        line += f" ({t('expect.standard', lang)})"
    return line


def answer_text(item: Item, answer: Answer | None, lang: str,
                number: Callable[[float], str] | None = None) -> str:
    """The answer as it reads on a screen or in a PDF (user text is returned as-is).

    `number` writes numbers and minutes the reader's way (the PDF passes Babel's: "7,6").
    """
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
        minutes = wait_minutes(v)
        if minutes is None:
            return t("answer.none", lang)
        if number is not None:
            return t("answer.minutes", lang, value=0).replace("0", number(round(minutes, 1)), 1)
        return t("answer.minutes", lang, value=round(minutes, 1))
    if kind == "number":
        unit = item.unit.get(lang) if item.unit else ""
        return f"{(number or fmt(lang).num)(float(v))} {unit}".strip()
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


def condition_text(cond: Condition, checklist: Checklist | None, lang: str) -> str:
    """A `when:` condition in words: «Обещали перезвонить» — «Да» или «Нет»."""
    if cond.op in ("any", "all"):
        joined = t("when.or" if cond.op == "any" else "when.and", lang).join(
            condition_text(p, checklist, lang) for p in cond.parts)
        return f"({joined})" if len(cond.parts) > 1 else joined
    if cond.op == "not":
        return t("when.not", lang, inner=condition_text(cond.parts[0], checklist, lang))
    item = checklist.item(cond.item) if checklist is not None else None
    name = item.text.get(lang) if item is not None else cond.item
    words: list[str] = []
    for v in cond.values:
        if isinstance(v, bool):
            words.append(t("answer.yes" if v else "answer.no", lang))
        elif item is not None and item.option(str(v)) is not None:
            words.append(item.option(str(v)).text.get(lang))  # type: ignore[union-attr]
        else:
            words.append(_num(v, lang) if isinstance(v, (int, float)) else str(v))
    parts = [t("when.or", lang).join(f"«{w}»" if lang == "ru" else f"“{w}”" for w in words)] if words else []
    if cond.min is not None:
        parts.append(t("when.min", lang, n=_num(cond.min, lang)))
    if cond.max is not None:
        parts.append(t("when.max", lang, n=_num(cond.max, lang)))
    return t("when.is", lang, item=name, values=t("when.and", lang).join(parts))


def condition_of(data: dict[str, Any]) -> Condition:
    """A condition back from `Condition.to_data()`, e.g. out of a score's reason."""
    if "any" in data or "all" in data:
        op = "any" if "any" in data else "all"
        return Condition(op=op, parts=tuple(condition_of(p) for p in data[op]))
    if "not" in data:
        return Condition(op="not", parts=(condition_of(data["not"]),))
    return Condition(op="is", item=str(data.get("item", "")), values=tuple(data.get("is", ())),
                     min=data.get("min"), max=data.get("max"))


def explain(item: Item, s: ItemScore, lang: str, checklist: Checklist | None = None) -> str:
    """Why this item scored what it did, in the reader's language."""
    code, params = s.reason
    if code == "hidden":
        return t("why.hidden", lang, when=condition_text(condition_of(params.get("when", {})), checklist, lang))
    if code == "section_na":
        reason = str(params.get("reason") or "").strip()
        return t("why.section_na", lang, reason=reason) if reason else t("why.section_na_no_reason", lang)
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
            value = f"{_num(n, lang)} {item.unit.get(lang) if item.unit else ''}".strip()
        limit = (f"≤ {_num(params['max'], lang)}" if params.get("max") is not None
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
