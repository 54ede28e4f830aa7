"""Demo evidence: simple scenes drawn with Pillow (a puddle at the door, a dirty restroom, a car
on the customer spaces…), the same places put right (a manager's photo of the fix), and comments
that say what the photo shows, in ru and en, with times taken from the visit itself."""

from __future__ import annotations

import io
import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

SIZE = (1024, 768)  # the canvas the scenes are drawn on
SHOT = (480, 360)  # the photo: half the canvas, framed a little differently each time (small files)
QUALITY = 75

# item id → the scene its finding is photographed as
SCENE_OF = {
    **dict.fromkeys(("entrance-dry", "no-cleaning-in-way", "doormat", "entrance-clean", "entrance-clear",
                     "step-free"), "entrance"),
    **dict.fromkeys(("restroom-clean", "restroom-paper", "restroom-soap", "restroom-towels",
                     "restroom-works"), "restroom"),
    **dict.fromkeys(("free-spaces", "not-staff-cars", "parking-condition", "accessible-space"), "parking"),
    **dict.fromkeys(("hours-posted", "open-as-posted", "opening-hours"), "door_sign"),
    **dict.fromkeys(("signage", "easy-to-find", "windows-clean"), "shopfront"),
    **dict.fromkeys(("seats", "drinks", "children", "area-clean", "waiting-area-photo"), "waiting"),
    **dict.fromkeys(("entrance-photo",), "entrance"),
    **dict.fromkeys(("name-badge",), "staff"),
    **dict.fromkeys(("website-hours", "website-prices", "email-response", "screenshot"), "screen"),
}

# what a shopper writes under a finding: (ru, en), by item id
FINDING_COMMENTS: dict[str, tuple[str, str]] = {
    "entrance-dry": ("У входа большая лужа, табличку «Осторожно, мокрый пол» поставили прямо в проходе.",
                     "A large puddle at the door; the “wet floor” sign stood right in the way."),
    "no-cleaning-in-way": ("Уборщица мыла пол в проходе, пришлось обходить ведро по мокрому.",
                           "The cleaner was mopping the doorway; I had to step round the bucket on a wet floor."),
    "doormat": ("Коврика у двери нет, плитка скользкая после дождя.",
                "No doormat at the door; the tiles were slippery after the rain."),
    "entrance-clean": ("На крыльце окурки и обрывки рекламных листовок.",
                       "Cigarette ends and torn flyers on the steps."),
    "entrance-clear": ("Вход загораживают коробки с товаром.", "Boxes of stock block the entrance."),
    "step-free": ("Пандуса нет, с коляской не заехать — три ступени.",
                  "No ramp: three steps, no way in with a pushchair."),
    "restroom-clean": ("В туалете грязный пол и бумага вокруг переполненного ведра.",
                       "Dirty floor in the restroom, paper around an overflowing bin."),
    "restroom-paper": ("Туалетной бумаги нет, запасной рулон тоже не нашёлся.",
                       "No toilet paper, and no spare roll anywhere."),
    "restroom-soap": ("Дозатор мыла пустой.", "The soap dispenser was empty."),
    "restroom-towels": ("Бумажных полотенец нет, сушилка не работает.",
                        "No paper towels and the hand dryer does not work."),
    "restroom-works": ("Кран подтекает, на замке двери нет защёлки.",
                       "The tap drips and the door lock does not catch."),
    "free-spaces": ("Все места заняты, пришлось встать во дворе соседнего дома.",
                    "Every space was taken; I had to park in the next building's yard."),
    "not-staff-cars": ("Места с табличкой «Для клиентов» заняты машинами сотрудников.",
                       "The spaces marked “customers only” were taken by staff cars."),
    "parking-condition": ("На парковке ямы с водой, разметка стёрлась.",
                          "Potholes full of water in the car park; the markings have worn away."),
    "accessible-space": ("Место для людей с инвалидностью занято обычной машиной.",
                         "The disabled space was taken by an ordinary car."),
    "hours-posted": ("Табличка с графиком выцвела, часы работы не прочитать.",
                     "The opening-hours sign has faded and cannot be read."),
    # {at}: the visit's time, {close}: the day's posted closing, both on the branch's clock
    "open-as-posted": ("По табличке открыто до {close}, но в {at} дверь была заперта, на стук никто не вышел.",
                       "The sign says open until {close}, but at {at} the door was locked and nobody came."),
    "opening-hours": ("Работают только до {close}, в выходные закрыто — после работы не успеть.",
                      "Open only until {close} and closed at weekends: no chance after work."),
    "signage": ("В вывеске не горят две буквы, вечером её не видно.",
                "Two letters of the sign are out; it cannot be seen in the evening."),
    "easy-to-find": ("Вход со двора, указателя с улицы нет.", "The entrance is round the back, no sign from the street."),
    "windows-clean": ("Витрины в разводах, висит прошлогодний плакат с акцией.",
                      "Streaky windows, with last year's promotion poster still up."),
    "seats": ("Стульев четыре, ждали восемь человек, один стул сломан.",
              "Four chairs for eight people waiting, and one chair was broken."),
    "drinks": ("Кулер пустой, стаканчиков нет.", "The water cooler was empty and there were no cups."),
    "children": ("Детский уголок закрыт, игрушки сложены в коробку.", "The children's corner was closed off."),
    "area-clean": ("На столике в зоне ожидания мусор и старые буклеты.",
                   "Litter and old leaflets on the table in the waiting area."),
    "greets": ("Сотрудник не поздоровался и не поднял глаз от монитора.",
               "The staff member did not say hello or look up from the screen."),
    "uses-name": ("Имя не спросили, обращались «девушка».", "Never asked my name; called me “miss”."),
    "full-attention": ("Во время разговора сотрудник дважды ответил на личный телефон.",
                       "The staff member took two personal calls during our conversation."),
    "knows-answer": ("На вопрос о комиссии ответили «не знаю» и не уточнили.",
                     "Asked about the fee, the answer was “no idea”, and nobody checked."),
    "polite-tone": ("Разговаривали раздражённо, перебивали.", "The tone was irritated; I was interrupted."),
    "name-badge": ("Бейджа нет, имя сотрудника узнать не удалось.", "No name badge; I never learned the name."),
    "offers-next-step": ("Ничего не предложили, хотя я спрашивал про карту.",
                         "Nothing was offered, even though I asked about a card."),
    "privacy": ("Паспортные данные проговаривали вслух при очереди.",
                "My passport details were read out loud in front of the queue."),
    "no-pressure": ("Страховку оформили «в нагрузку», не спросив.", "Insurance was added without asking me."),
    "queue-order": ("Талонов нет, люди подходили без очереди.", "No tickets; people kept jumping the queue."),
    "all-hands": ("Работало одно окно из трёх, остальные сотрудники пили чай.",
                  "One window of three was open; the others were having tea."),
    "thanks": ("Попрощались сухим «следующий».", "The goodbye was a curt “next!”."),
    "contacts-given": ("Контакт для вопросов не оставили.", "No contact was given for further questions."),
    "guard-polite": ("Охранник грубо спросил, зачем я пришёл.", "The guard rudely asked what I wanted."),
    "guard-alert": ("Охранник сидел в телефоне и не заметил, что я зашёл.",
                    "The guard was on his phone and did not notice me come in."),
    "phone-reachable": ("Дозвонился только с четвёртой попытки.", "Got through on the fourth attempt."),
    "website-hours": ("На сайте другие часы работы, чем на двери.", "The website shows other hours than the door."),
}

# what a reviewer writes to the shopper on one item, and with a grade of their report: (ru, en)
REVIEW_COMMENTS = [
    ("Фото нечёткое: в следующий раз подойдите ближе.", "The photo is blurred: next time step closer."),
    ("Напишите, сколько человек было в очереди.", "Say how many people were in the queue."),
    ("Хорошо описано, так и оставим.", "Well described, we keep it as it is."),
    ("Уточните, к кому вы обращались: имя с бейджа.", "Say whom you spoke to: the name on the badge."),
]
GRADE_NOTES = {
    5: ("Подробный отчёт, все фото по делу.", "A thorough report, every photo to the point."),
    4: ("Хороший отчёт; одной находке не хватает пояснения.", "A good report; one finding lacks a word of explanation."),
    3: ("Часть находок без пояснений, одно фото размыто.", "Some findings unexplained, one photo blurred."),
}
# what a manager writes when a finding is put right: (ru, en), by the scene of its photo
FIX_NOTES = {
    "entrance": ("Постелили коврик, уборку перенесли на время до открытия.",
                 "A doormat is down; the cleaning moved to before opening."),
    "restroom": ("Уборка туалета каждый час, чек-лист на двери; заменили дозатор.",
                 "The restroom is cleaned hourly with a checklist on the door; the dispenser replaced."),
    "parking": ("Сотрудники паркуются во дворе, места для клиентов свободны.",
                "Staff park in the yard; the customer spaces are free."),
    "door_sign": ("Повесили новую табличку с часами работы.", "A new opening-hours sign is up."),
    "shopfront": ("Вывеску починили, витрины моют по понедельникам.",
                  "The sign is repaired; the windows are washed every Monday."),
    "waiting": ("Поставили новые стулья, кулер проверяют утром и после обеда.",
                "New chairs; the water cooler is checked morning and afternoon."),
}

IMPRESSED = [
    ("Консультант сама предложила более выгодный тариф и всё понятно объяснила.",
     "The consultant suggested a cheaper plan herself and explained everything clearly."),
    ("Запомнили моё имя с прошлого визита и сразу нашли заказ.",
     "They remembered my name from last time and found my order at once."),
    ("Быстро: от входа до готового документа — 12 минут.", "Fast: twelve minutes from the door to the finished paperwork."),
]
SPOILED_DEFAULT = ("Долгое ожидание при одном работающем окне.", "A long wait with only one window open.")


def comment_for(item_id: str, lang: str, *, at: str = "", close: str = "") -> str:
    """What a shopper writes under the finding; `at` (the visit's "HH:MM") and `close` (the day's
    posted closing) on the branch's own clock, for the comments that name a time ("" without them)."""
    pair = FINDING_COMMENTS.get(item_id)
    if pair is None:
        return ""
    text = pair[0 if lang == "ru" else 1]
    if "{" in text:
        return text.format(at=at, close=close) if at and close else ""
    return text


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0 if lang == "ru" else 1]


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _shade(rgb: tuple[int, int, int], rnd: random.Random, spread: int = 18) -> tuple[int, int, int]:
    r, g, b = (max(0, min(255, c + rnd.randint(-spread, spread))) for c in rgb)
    return r, g, b


# Each scene draws the place as a finding shows it, or put right (`fixed`): the photo a manager
# attaches to a done action, or the photo an item asks for when nothing is wrong.

def _entrance(d: ImageDraw.ImageDraw, rnd: random.Random, fixed: bool, _: Sequence[str]) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, 430), fill=_shade((150, 140, 128), rnd))  # wall
    x0 = rnd.randint(200, 440)
    d.rectangle((x0, 70, x0 + 370, 440), fill=(70, 70, 74))  # door frame
    d.rectangle((x0 + 15, 85, x0 + 355, 440), fill=_shade((165, 200, 220), rnd))  # glass
    d.line((x0 + 185, 85, x0 + 185, 440), fill=(70, 70, 74), width=8)
    d.rectangle((x0 + 160, 250, x0 + 170, 320), fill=(200, 200, 200))
    for x in range(0, w, 128):  # floor tiles in perspective
        d.line((x, 440, x * 1.4 - 200, h), fill=(150, 140, 120), width=3)
    d.polygon([(0, 440), (w, 440), (w, h), (0, h)], outline=(150, 140, 120))
    for y in (520, 620, 730):
        d.line((0, y, w, y), fill=(150, 140, 120), width=3)
    if fixed:  # a doormat, a dry floor
        d.rectangle((x0 + 20, 470, x0 + 350, 560), fill=_shade((60, 58, 52), rnd, 8))
        return
    cx, cy = rnd.randint(330, 640), rnd.randint(560, 640)
    for dx, dy, rx, ry in ((0, 0, 230, 70), (-150, 20, 110, 45), (160, -10, 120, 40)):
        d.ellipse((cx + dx - rx, cy + dy - ry, cx + dx + rx, cy + dy + ry), fill=(88, 104, 122))
    d.ellipse((cx - 90, cy - 20, cx + 40, cy + 5), fill=(170, 185, 200))  # reflection
    sx = rnd.choice((160, 820))  # the yellow "wet floor" sign
    d.polygon([(sx - 60, 640), (sx, 470), (sx + 60, 640)], fill=(245, 200, 20), outline=(60, 60, 60))
    d.text((sx - 9, 545), "!", fill=(20, 20, 20), font=_font(60))


def _restroom(d: ImageDraw.ImageDraw, rnd: random.Random, fixed: bool, _: Sequence[str]) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, 520), fill=_shade((225, 228, 226), rnd, 8))
    step = rnd.choice((48, 64, 80))
    for x in range(0, w, step):
        d.line((x, 0, x, 520), fill=(190, 195, 195), width=2)
    for y in range(0, 520, step):
        d.line((0, y, w, y), fill=(190, 195, 195), width=2)
    d.rectangle((0, 520, w, h), fill=(150, 148, 140) if fixed else (120, 118, 110))
    mx = rnd.randint(260, 520)
    d.rectangle((mx, 90, mx + 260, 290), fill=(190, 210, 220), outline=(120, 120, 120), width=6)  # mirror
    d.ellipse((mx + 10, 330, mx + 250, 420), fill=(245, 245, 245), outline=(160, 160, 160), width=3)  # basin
    d.rectangle((mx + 110, 410, mx + 150, 560), fill=(235, 235, 235))
    bx = rnd.choice((130, 800))
    d.rectangle((bx, 470, bx + 110, 640), fill=(90, 95, 100))  # the bin
    if fixed:
        return
    for _i in range(14):  # stains
        x, y = rnd.randint(0, w), rnd.randint(540, h)
        r = rnd.randint(12, 40)
        d.ellipse((x - r, y - r // 3, x + r, y + r // 3), fill=_shade((88, 70, 45), rnd, 12))
    for _i in range(9):  # overflowing
        x, y = bx + rnd.randint(-30, 130), rnd.randint(430, 700)
        d.ellipse((x, y, x + rnd.randint(30, 55), y + rnd.randint(20, 40)), fill=(248, 248, 244),
                  outline=(200, 200, 200))


def _parking(d: ImageDraw.ImageDraw, rnd: random.Random, fixed: bool, _: Sequence[str]) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, 260), fill=_shade((150, 185, 215), rnd))  # sky
    d.rectangle((0, 170, w, 300), fill=_shade((160, 150, 140), rnd))  # building
    d.rectangle((0, 300, w, h), fill=(78, 80, 84))  # asphalt
    for x in range(-200 + rnd.randint(0, 120), w + 200, 260):
        d.line((x, 300, x + 160, h), fill=(235, 235, 235), width=10)
    px = rnd.randint(640, 840)
    d.rectangle((px, 120, px + 140, 240), fill=(30, 90, 170))  # the "customers" sign
    d.text((px + 45, 122), "P", fill=(255, 255, 255), font=_font(70))
    d.rectangle((px, 240, px + 140, 280), fill=(255, 255, 255))
    d.text((px + 12, 246), "КЛИЕНТЫ", fill=(30, 90, 170), font=_font(22))
    d.line((px + 70, 280, px + 70, 420), fill=(90, 90, 90), width=8)
    if fixed:
        return
    colour = rnd.choice([(180, 30, 30), (30, 30, 32), (200, 200, 205), (30, 70, 140), (90, 90, 95)])
    x, y = rnd.randint(60, 380), rnd.randint(440, 500)
    d.rounded_rectangle((x, y, x + 440, y + 130), radius=30, fill=colour)  # body
    d.polygon([(x + 90, y), (x + 150, y - 80), (x + 320, y - 80), (x + 380, y)], fill=colour)  # cabin
    glass = (170, 200, 220)
    d.polygon([(x + 110, y - 5), (x + 160, y - 68), (x + 230, y - 68), (x + 230, y - 5)], fill=glass)
    d.polygon([(x + 245, y - 5), (x + 245, y - 68), (x + 310, y - 68), (x + 360, y - 5)], fill=glass)
    for wx in (x + 90, x + 350):
        d.ellipse((wx - 50, y + 90, wx + 50, y + 190), fill=(20, 20, 20))
        d.ellipse((wx - 22, y + 118, wx + 22, y + 162), fill=(150, 150, 150))


def _door_sign(d: ImageDraw.ImageDraw, rnd: random.Random, fixed: bool, lines: Sequence[str]) -> None:
    """The door with the hours sign; `lines` are the branch's posted hours."""
    w, h = SIZE
    d.rectangle((0, 0, w, h), fill=_shade((120, 110, 100), rnd, 40))
    for _i in range(rnd.randint(1, 3)):  # what else is on the wall: a notice, a plate, a lamp
        px, py = rnd.randint(0, w - 120), rnd.randint(0, h - 160)
        d.rectangle((px, py, px + rnd.randint(60, 160), py + rnd.randint(60, 200)),
                    fill=_shade(rnd.choice(((230, 230, 220), (40, 90, 160), (180, 60, 50))), rnd, 20))
    dw = rnd.randint(460, 640)  # the door, its glass, and the sign on it
    x0, top = rnd.randint(0, w - dw), rnd.randint(0, 120)
    d.rectangle((x0, top, x0 + dw, h), fill=_shade((60, 62, 66), rnd, 15))
    d.rectangle((x0 + 20, top + 20, x0 + dw - 20, h), fill=_shade((150, 180, 195), rnd, 30))
    sw = rnd.randint(360, dw - 60)
    sx, y0 = x0 + rnd.randint(30, dw - sw - 30), top + rnd.randint(60, 240)
    y1 = y0 + 70 + 62 * len(lines)
    d.rectangle((sx, y0, sx + sw, y1), fill=(238, 236, 228), outline=(90, 90, 90), width=4)
    ink = (40, 40, 40) if fixed else _shade((150, 150, 150), rnd, 10)  # a faded sign is the finding
    for i, text in enumerate(("ЧАСЫ РАБОТЫ", *lines)):
        d.text((sx + 22, y0 + 22 + i * 62), text, fill=ink, font=_font(24 if i else 26))
    for _i in range(rnd.randint(1, 5)):  # stickers on the glass: cards taken, no dogs, a phone number
        kx, ky = x0 + rnd.randint(30, dw - 100), rnd.choice((rnd.randint(top + 30, y0 + 10), rnd.randint(y1, h - 60)))
        d.rectangle((kx, ky, kx + rnd.randint(40, 90), ky + rnd.randint(30, 70)),
                    fill=rnd.choice(((200, 40, 40), (240, 240, 240), (30, 110, 60), (250, 200, 30))))
    if not fixed:  # a torn corner
        d.polygon([(sx + sw - 60, y1), (sx + sw, y0 + 60), (sx + sw, y1)], fill=(150, 180, 195))


def _shopfront(d: ImageDraw.ImageDraw, rnd: random.Random, fixed: bool, _: Sequence[str]) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, h), fill=_shade((170, 160, 150), rnd))
    d.rectangle((60, 60, w - 60, 170), fill=(30, 60, 110))  # the sign, two letters dark
    dark = () if fixed else (2, 6)
    for i, ch in enumerate("ОТДЕЛЕНИЕ"):
        d.text((110 + i * 92, 78), ch, fill=(60, 70, 90) if i in dark else (255, 240, 180), font=_font(64))
    d.rectangle((80, 230, w - 80, h - 40), fill=_shade((150, 175, 190), rnd, 10))  # the window
    if fixed:
        return
    px = rnd.randint(120, 560)
    d.rectangle((px, 290, px + 300, 600), fill=(215, 200, 170))  # an old, faded poster
    d.text((px + 30, 330), "АКЦИЯ", fill=(190, 120, 110), font=_font(54))
    d.text((px + 30, 420), "до 31.12", fill=(170, 140, 120), font=_font(40))
    for _i in range(30):  # smudges
        x, y = rnd.randint(90, w - 90), rnd.randint(240, h - 50)
        r = rnd.randint(15, 60)
        d.ellipse((x - r, y - r // 2, x + r, y + r // 2), outline=_shade((120, 130, 120), rnd, 10), width=3)


def _waiting(d: ImageDraw.ImageDraw, rnd: random.Random, fixed: bool, _: Sequence[str]) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, 480), fill=_shade((214, 208, 196), rnd))
    d.rectangle((0, 480, w, h), fill=_shade((160, 140, 120), rnd, 10))
    seats = rnd.randint(3, 5)
    for i in range(seats):  # a row of chairs, the last one broken
        x = 60 + i * 140
        tilt = 40 if i == seats - 1 and not fixed else 0
        d.rectangle((x, 380 + tilt, x + 110, 420 + tilt), fill=(40, 80, 140))
        d.rectangle((x, 280 + tilt, x + 20, 420 + tilt), fill=(40, 80, 140))
        d.line((x + 10, 420 + tilt, x + 10, 520), fill=(60, 60, 60), width=6)
        d.line((x + 100, 420 + tilt, x + 100 + tilt, 520), fill=(60, 60, 60), width=6)
    d.rectangle((790, 260, 900, 560), fill=(235, 235, 238), outline=(150, 150, 150), width=3)  # the cooler
    d.ellipse((800, 150, 890, 200), outline=(120, 160, 200), width=4)  # its bottle
    d.rectangle((800, 175, 890, 265), fill=(170, 205, 235) if fixed else None, outline=(120, 160, 200),
                width=4)
    if fixed:
        return
    for _i in range(8):  # litter
        x, y = rnd.randint(40, w - 40), rnd.randint(540, h - 20)
        d.rectangle((x, y, x + rnd.randint(20, 50), y + rnd.randint(10, 25)), fill=(245, 245, 240))


def _screen(d: ImageDraw.ImageDraw, rnd: random.Random, fixed: bool, lines: Sequence[str]) -> None:
    """A screenshot of a written reply: a mail or chat window with lines of text."""
    w, h = SIZE
    d.rectangle((0, 0, w, h), fill=(246, 247, 249))
    d.rectangle((0, 0, w, 90), fill=_shade((40, 90, 160), rnd, 25))  # the app's bar
    d.text((40, 24), "Входящие", fill=(255, 255, 255), font=_font(34))
    y = rnd.randint(110, 260)
    if rnd.random() < 0.5:  # the sender's picture
        d.ellipse((w - 260, y, w - 140, y + 120), fill=_shade((120, 150, 180), rnd, 60))
    for i, text in enumerate(lines):
        d.text((60, y), text, fill=(30, 30, 30) if i == 0 else (70, 70, 70), font=_font(28 if i == 0 else 24))
        y += 56
    while y < h - 60:  # the reply's body, as grey lines in paragraphs
        d.rectangle((60, y, 60 + rnd.randint(200, 880), y + 16), fill=(160, 163, 168))
        y += rnd.choice((40, 40, 40, 90))
    if not fixed:  # a reply that leaves the question open: a red mark on it
        d.ellipse((w - 150, 120, w - 60, 210), outline=(200, 40, 40), width=8)


def _staff(d: ImageDraw.ImageDraw, rnd: random.Random, fixed: bool, _: Sequence[str]) -> None:
    """Someone at the counter, from the customer's side: with a name badge, or without."""
    w, h = SIZE
    d.rectangle((0, 0, w, h), fill=_shade((205, 200, 190), rnd))
    x = rnd.randint(250, 620)
    shirt = rnd.choice(((40, 70, 120), (230, 230, 235), (120, 30, 40), (60, 60, 62)))
    d.ellipse((x, 120, x + 150, 290), fill=_shade((225, 190, 165), rnd, 12))  # head
    d.rounded_rectangle((x - 90, 300, x + 240, h), radius=60, fill=shirt)  # shoulders
    if fixed:
        d.rectangle((x + 130, 380, x + 220, 420), fill=(250, 250, 250), outline=(30, 30, 30), width=2)
        d.line((x + 140, 400, x + 205, 400), fill=(30, 30, 30), width=4)
    d.rectangle((0, 560, w, h), fill=_shade((120, 85, 60), rnd, 10))  # the counter
    if rnd.random() < 0.6:  # a monitor on it
        mx = rnd.choice((60, 760))
        d.rectangle((mx, 380, mx + 220, 540), fill=(30, 30, 34))
        d.rectangle((mx + 95, 540, mx + 125, 560), fill=(30, 30, 34))


_DRAW = {"entrance": _entrance, "restroom": _restroom, "parking": _parking, "door_sign": _door_sign,
         "shopfront": _shopfront, "waiting": _waiting, "screen": _screen, "staff": _staff}
_FLIPS = ("entrance", "restroom", "waiting", "staff")  # scenes without lettering may be seen from either side


@lru_cache(maxsize=1)
def _grain() -> Image.Image:
    """Sensor grain, the same for every photo: seeded, so the demo's photos are reproducible."""
    rnd = random.Random("grain")
    return Image.frombytes("L", SHOT, rnd.randbytes(SHOT[0] * SHOT[1])).convert("RGB")


def _light(rnd: random.Random) -> Image.Image:
    """Uneven light: a few soft brighter and darker patches, never the same twice (so flat walls
    differ between photos, as they do between real ones)."""
    cells = Image.frombytes("L", (5, 4), bytes(rnd.randint(165, 255) for _ in range(20)))
    ramp = cells.resize(SHOT, Image.Resampling.BICUBIC)
    return Image.merge("RGB", (ramp, ramp, ramp))


def _exif(taken: datetime) -> Image.Exif:
    """The capture time as a phone writes it: the wall clock and its offset from UTC."""
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    offset = taken.strftime("%z")
    sub[0x9011] = f"{offset[:3]}:{offset[3:]}"  # OffsetTimeOriginal
    return exif


def scene(kind: str, seed: int, *, fixed: bool = False, lines: Sequence[str] = (),
          taken: datetime | None = None) -> bytes:
    """A small JPEG of `kind` (see SCENE_OF, and "screen"), different for each seed, the same for
    the same seed: the place as the finding shows it, or put right with `fixed`. `lines` are the
    text the scene carries (the posted hours on a door sign, a reply's header); `taken`, an aware
    local time, is written as the photo's EXIF capture time with its offset.

    Every shot is framed differently (where it was taken from, the light, the side), so no two
    demo photos look alike to the re-use check.
    """
    rnd = random.Random(f"{kind}:{seed}:{fixed}")
    im = Image.new("RGB", SIZE, (128, 128, 128))
    _DRAW[kind](ImageDraw.Draw(im), rnd, fixed, lines)
    im = im.reduce(2)  # cheap: the photo is half the canvas, framed inside it
    half = im.size
    zoom = rnd.uniform(0.75, 0.94)
    cw, ch = int(half[0] * zoom), int(half[1] * zoom)
    left, top = rnd.randint(0, half[0] - cw), rnd.randint(0, half[1] - ch)
    im = im.resize(SHOT, Image.Resampling.BILINEAR, box=(left, top, left + cw, top + ch))
    if kind in _FLIPS and rnd.random() < 0.5:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if kind != "screen":  # light from one side: a phone's exposure is never even (a screenshot's is)
        im = ImageChops.multiply(im, _light(rnd))
    # a little grain: a drawing that reads more like a phone photo
    im = Image.blend(im, _grain(), 0.05)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=QUALITY, **({"exif": _exif(taken)} if taken is not None else {}))
    return out.getvalue()


WEEK_RU = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


def hours_lines(hours: Mapping[str, Sequence[str] | None], days: Sequence[str]) -> list[str]:
    """A branch's posted hours as its door sign reads: runs of days with the same hours."""
    out: list[str] = []
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and hours.get(days[j + 1]) == hours.get(days[i]):
            j += 1
        span = WEEK_RU[i] if i == j else f"{WEEK_RU[i]}–{WEEK_RU[j]}"
        h = hours.get(days[i])
        out.append(f"{span} {h[0]}–{h[1]}" if h else f"{span} — выходной")
        i = j + 1
    return out
