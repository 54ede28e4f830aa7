"""Words of the customer's voice page, its poster and HQ's gap table, in English and Russian."""

from __future__ import annotations

# key: (en, ru), merged into audit.i18n.STRINGS
STRINGS: dict[str, tuple[str, str]] = {
    "err.voice_no_touchpoints": (
        "The checklist “{template}” marks no section customer-facing, so customers cannot be "
        "asked about it. Add `customer: {{ru: …, en: …}}` to the sections customers meet.",
        "В чек-листе «{template}» не отмечен ни один раздел для клиентов, поэтому клиентов "
        "о нём спросить нельзя. Добавьте `customer: {{ru: …, en: …}}` разделам, которые видит клиент."),
    # the poster (A4, a QR code and the short link)
    "voice.poster_title": ("How was your visit?", "Как прошёл ваш визит?"),
    "voice.poster_sub": ("Scan the code and tell us what you expected and what you got. "
                         "A minute, no name, nothing to install.",
                         "Наведите камеру на код и расскажите, чего вы ожидали и что получили. "
                         "Минута, без имени, ничего не нужно устанавливать."),
    "voice.poster_privacy": ("We do not ask who you are and keep nothing that identifies your phone.",
                             "Мы не спрашиваем, кто вы, и не храним ничего, что выдаёт ваш телефон."),
    "err.voice_no_address": ("No public address is configured, so the poster's link cannot be made: "
                             "set AUDIT_APP_URL (or app_url in [smtp] of .streamlit/secrets.toml) to "
                             "the address phones open, e.g. https://audit.example.com.",
                             "Не задан публичный адрес, поэтому ссылку для плаката сделать нельзя: "
                             "укажите AUDIT_APP_URL (или app_url в [smtp] файла .streamlit/secrets.toml) — "
                             "адрес, который открывают телефоны, например https://audit.example.com."),
    "ui.voice_poster": ("Customer voice poster (PDF)", "Плакат для отзывов клиентов (PDF)"),
    # HQ's dashboard tab
    "ui.tab_voice": ("Customers' voice", "Голос клиента"),
    "ui.voice_none": ("No customer responses in this period.", "В этом периоде отзывов клиентов нет."),
    "ui.voice_held": ("{count} responses arrived in bursts: held here, not counted in any figure.",
                      "Отзывов, пришедших всплеском: {count} — отложены, ни в одну цифру не входят."),
    "ui.voice_responses": ("{count} responses", "отзывов: {count}"),
    "ui.voice_let_down": ("Customers let down where audits pass", "Клиенты разочарованы там, где аудит в норме"),
    "ui.voice_not_minded": ("Audits fail where customers do not mind",
                            "Аудит не пройден там, где клиенты довольны"),
    "ui.voice_list_empty": ("None in this period.", "В этом периоде таких нет."),
    "ui.voice_audit": ("audit score", "оценка аудита"),
    "ui.voice_table": ("Expected against got, by touchpoint", "Ожидание и реальность по точкам контакта"),
    "ui.voice_col_location": ("Location", "Точка"),
    "ui.voice_col_touchpoint": ("Touchpoint", "Точка контакта"),
    "ui.voice_col_expected": ("Expected", "Ожидали"),
    "ui.voice_col_got": ("Got", "Получили"),
    "ui.voice_col_gap": ("Gap (got − expected)", "Разрыв (получили − ожидали)"),
    "ui.voice_col_ci": ("95% interval", "95% интервал"),
    "ui.voice_col_gap_short": ("Gap (95%)", "Разрыв (95%)"),  # a phone's narrow column
    "ui.voice_col_audit_short": ("Audit", "Аудит"),
    "ui.voice_col_where": ("Verdict", "Итог"),
    "ui.voice_col_audit": ("Audit score", "Оценка аудита"),
    "ui.voice_col_audits": ("Audits", "Аудитов"),
    "ui.voice_where_below": ("below expectation", "ниже ожиданий"),
    "ui.voice_where_met": ("as expected", "как ожидали"),
    "ui.voice_where_above": ("above: wow", "выше: вау"),
    # customers' voice in the PDFs: a page of the network report, a section of a branch's
    "voice.pdf_title": ("Customers' voice: expected against got", "Голос клиентов: ожидание и реальность"),
    "voice.pdf_intro": ("{count} customer responses from the voice page ({period}; whole months); {held} "
                        "held as bursts and not counted. At each touchpoint customers score 1–5 what "
                        "they expected and what they got; the gap is got − expected with its 95% "
                        "interval. The audits' score of the same section stays in its own column.",
                        "Отзывов клиентов со страницы опроса: {count} ({period}; целые месяцы); "
                        "задержано как всплеск и не учтено: {held}. В каждой точке контакта клиенты "
                        "ставят 1–5: чего ожидали и что получили; разрыв — получили − ожидали, с 95% "
                        "интервалом. Оценка аудита того же раздела — в отдельной колонке."),
    "voice.pdf_all_months": ("all months", "все месяцы"),
    "voice.pdf_matrix": ("The gap by location and touchpoint", "Разрыв по точкам и точкам контакта"),
    "voice.pdf_matrix_note": ("Each cell: the gap (got − expected, on 1–5) and the number of answers. "
                              "Red: the whole 95% interval lies below expectation; green: above it "
                              "(“wow”); black: as expected or too few answers to tell; —: no answers.",
                              "В клетке: разрыв (получили − ожидали, по шкале 1–5) и число ответов. "
                              "Красный: весь 95% интервал ниже ожиданий; зелёный — выше («вау»); "
                              "чёрный: как ожидали или ответов слишком мало; —: ответов нет."),
    "voice.pdf_levels": ("The visit overall", "Визит в целом"),
    "voice.pdf_branch_title": ("What customers say about this branch",
                               "Что говорят клиенты об этом отделении"),
    "voice.pdf_branch_intro": ("{count} customer responses from the voice page ({period}). At each "
                               "touchpoint customers score 1–5 what they expected and what they got; "
                               "the gap is got − expected with its 95% interval.",
                               "Отзывов клиентов со страницы опроса: {count} ({period}). В каждой точке "
                               "контакта клиенты ставят 1–5: чего ожидали и что получили; разрыв — "
                               "получили − ожидали, с 95% интервалом."),
    "voice.pdf_words": ("In customers' own words (approved by HQ)", "Словами клиентов (одобрено HQ)"),
    # the shopper's own expectation of a section, against what they got (one audit; HQ's view)
    "expect.title": ("Expected against got", "Ожидание и реальность"),
    "expect.minutes": ("expected {expected} min, waited {got} min", "ожидали {expected} мин, ждали {got} мин"),
    "expect.scale": ("expected {expected} of 5, got {got} of 5", "ожидали {expected} из 5, получили {got} из 5"),
    "expect.not_met": ("expected {expected}; not met on this visit", "ожидали {expected}; на этом визите не встретилось"),
    "expect.standard": ("the brand's standard", "стандарт бренда"),
    "expect.where_below": ("let down", "ниже ожиданий"),
    "expect.where_met": ("as expected", "как ожидали"),
    "expect.where_above": ("wow", "вау"),
    "expect.hint": ("Shoppers say what they expect before each such part; it never changes a score.",
                    "Проверяющий называет ожидание до начала такой части; на оценку оно не влияет."),
    "ui.expect_shoppers": ("Shoppers' own expectations (mystery audits)",
                           "Ожидания самих проверяющих (тайные покупатели)"),
    "ui.expect_col_expected": ("Expected", "Ожидали"),
    "ui.expect_col_got": ("Got", "Получили"),
    "ui.expect_col_unit": ("Unit", "Единица"),
    "ui.expect_unit_minutes": ("min of wait", "мин ожидания"),
    "ui.expect_unit_scale": ("1–5", "1–5"),
    "ui.expect_col_verdicts": ("Let down / as expected / wow", "Ниже / как ожидали / вау"),
    "ui.voice_hint": ("Customers score 1–5 what they expected and what they got; the gap's interval "
                      "wholly below 0 is a let-down, wholly above is “wow”. The audit score is the "
                      "same section's mean in the period's audits — a separate column, never mixed in.",
                      "Клиенты оценивают от 1 до 5, чего ожидали и что получили; интервал разрыва "
                      "целиком ниже 0 — разочарование, целиком выше — «вау». Оценка аудита — среднее "
                      "того же раздела в аудитах периода, отдельной колонкой, не смешивается."),
    "ui.voice_months": ("By month", "По месяцам"),
    "ui.voice_words": ("Customers' words: {count}, {waiting} awaiting approval",
                       "Слова клиентов: {count}, ждут одобрения: {waiting}"),
    "ui.voice_approve": ("Approved: the branch may see it", "Одобрено: точка может видеть"),
    # the customer's page (/v/<location>)
    "voice.title": ("Tell us about your visit", "Расскажите о визите"),
    "voice.intro": ("For each place you met today at {location}, say what you expected and what "
                    "you got. Skip the ones you did not meet. No name, no account: it takes a minute.",
                    "Для каждого места, которое вы сегодня видели в «{location}», отметьте, чего вы "
                    "ожидали и что получили. Пропустите то, чего не видели. Без имени и регистрации: "
                    "это займёт минуту."),
    "voice.scale_hint": ("1 = lowest, 5 = highest", "1 — ниже всего, 5 — выше всего"),
    "voice.expected": ("What you expected", "Чего вы ожидали"),
    "voice.perceived": ("What you got", "Что получили"),
    "voice.level": ("Your visit overall", "Визит в целом"),
    "voice.level.disappointed": ("Disappointed", "Разочарование"),
    "voice.level.as_expected": ("As expected", "Как ожидали"),
    "voice.level.wow": ("Wow!", "Вау!"),
    "voice.text": ("Anything else? (optional)", "Что-то ещё? (необязательно)"),
    "voice.text_hint": ("Please write no names or phone numbers. Up to {limit} characters.",
                        "Пожалуйста, без имён и телефонов. До {limit} символов."),
    "voice.send": ("Send", "Отправить"),
    "voice.honeypot": ("Leave this empty", "Оставьте пустым"),
    "voice.language": ("Language", "Язык"),
    "voice.thanks_title": ("Thank you!", "Спасибо!"),
    "voice.thanks": ("{location} will hear what you said. Have a good day.",
                     "«{location}» узнает, что вы сказали. Хорошего дня!"),
    "voice.problem": ("Please check the form", "Проверьте, пожалуйста, форму"),
    "voice.not_found": ("There is no such place. Check the link on the poster.",
                        "Такого места нет. Проверьте ссылку на плакате."),
    "voice.closed": ("Feedback is not open at this place yet.",
                     "Отзывы в этом месте пока не принимаются."),
    "voice.trouble": ("Your answers could not be taken just now. Please try again in a minute.",
                      "Сейчас ответы принять не удалось. Попробуйте, пожалуйста, через минуту."),
    "err.voice_already": ("You have already told us about today's visit here. Thank you!",
                          "Вы уже рассказали нам о сегодняшнем визите сюда. Спасибо!"),
    "err.voice_refused": ("This form could not be accepted.", "Эту форму принять нельзя."),
    "err.voice_expired": ("The page was open for a long time: please check your answers and send "
                          "again.",
                          "Страница была открыта долго: проверьте ответы и отправьте ещё раз."),
    "err.voice_too_fast": ("That was quicker than the questions can be read ({seconds} s): please "
                           "check your answers and send again.",
                           "Слишком быстро — вопросы не успеть прочитать ({seconds} с): проверьте "
                           "ответы и отправьте ещё раз."),
    "err.voice_bad_score": ("A score is a whole number from 1 to 5.",
                            "Оценка — целое число от 1 до 5."),
    "err.voice_half": ("For “{touchpoint}”, choose both what you expected and what you got.",
                       "Для «{touchpoint}» отметьте и ожидание, и то, что получили."),
    "err.voice_no_touchpoint": ("Rate at least one place you met today.",
                                "Оцените хотя бы одно место, которое вы сегодня видели."),
    "err.voice_no_level": ("Choose how the visit was overall.", "Выберите, каким был визит в целом."),
    "err.voice_text_long": ("Your comment is {count} characters long; at most {limit} fit.",
                            "В комментарии {count} символов; помещается не больше {limit}."),
    "err.voice_too_many": ("Too many responses from here just now. Please try again in {minutes} min.",
                           "Слишком много отзывов отсюда за короткое время. Попробуйте через "
                           "{minutes} мин."),
    "err.voice_bad_form": ("The form arrived damaged. Please open the page again.",
                           "Форма пришла повреждённой. Откройте страницу ещё раз."),
}
