"""Demo evidence: simple scenes drawn with Pillow (a puddle at the door, a dirty restroom, a car
on the customer spaces…) and comments that say what the photo shows, in ru and en."""

from __future__ import annotations

import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

SIZE = (1024, 768)

# item id → the scene its finding is photographed as
SCENE_OF = {
    **dict.fromkeys(("entrance-dry", "no-cleaning-in-way", "doormat", "entrance-clean", "entrance-clear",
                     "step-free"), "entrance"),
    **dict.fromkeys(("restroom-clean", "restroom-paper", "restroom-soap", "restroom-towels",
                     "restroom-works"), "restroom"),
    **dict.fromkeys(("free-spaces", "not-staff-cars", "parking-condition", "accessible-space"), "parking"),
    **dict.fromkeys(("hours-posted", "open-as-posted", "opening-hours"), "door_sign"),
    **dict.fromkeys(("signage", "easy-to-find", "windows-clean"), "shopfront"),
    **dict.fromkeys(("seats", "drinks", "children", "area-clean"), "waiting"),
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
    "open-as-posted": ("По табличке открыто с 9:00, но в 9:15 дверь была заперта.",
                       "The sign says open from 9:00, but the door was locked at 9:15."),
    "opening-hours": ("Работают только по будням до 18:00 — после работы не успеть.",
                      "Open on weekdays until 18:00 only: no chance after work."),
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

IMPRESSED = [
    ("Консультант сама предложила более выгодный тариф и всё понятно объяснила.",
     "The consultant suggested a cheaper plan herself and explained everything clearly."),
    ("Запомнили моё имя с прошлого визита и сразу нашли заказ.",
     "They remembered my name from last time and found my order at once."),
    ("Быстро: от входа до готового документа — 12 минут.", "Fast: twelve minutes from the door to the finished paperwork."),
]
SPOILED_DEFAULT = ("Долгое ожидание при одном работающем окне.", "A long wait with only one window open.")


def comment_for(item_id: str, lang: str) -> str:
    pair = FINDING_COMMENTS.get(item_id)
    return "" if pair is None else pair[0 if lang == "ru" else 1]


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


def _entrance(d: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, 430), fill=_shade((150, 140, 128), rnd))  # wall
    d.rectangle((330, 70, 700, 440), fill=(70, 70, 74))  # door frame
    d.rectangle((345, 85, 685, 440), fill=_shade((165, 200, 220), rnd))  # glass
    d.line((515, 85, 515, 440), fill=(70, 70, 74), width=8)
    d.rectangle((490, 250, 500, 320), fill=(200, 200, 200))
    for x in range(0, w, 128):  # floor tiles in perspective
        d.line((x, 440, x * 1.4 - 200, h), fill=(150, 140, 120), width=3)
    d.polygon([(0, 440), (w, 440), (w, h), (0, h)], outline=(150, 140, 120))
    for y in (520, 620, 730):
        d.line((0, y, w, y), fill=(150, 140, 120), width=3)
    cx, cy = rnd.randint(330, 640), rnd.randint(560, 640)
    for dx, dy, rx, ry in ((0, 0, 230, 70), (-150, 20, 110, 45), (160, -10, 120, 40)):
        d.ellipse((cx + dx - rx, cy + dy - ry, cx + dx + rx, cy + dy + ry), fill=(88, 104, 122))
    d.ellipse((cx - 90, cy - 20, cx + 40, cy + 5), fill=(170, 185, 200))  # reflection
    sx = rnd.choice((160, 820))  # the yellow "wet floor" sign
    d.polygon([(sx - 60, 640), (sx, 470), (sx + 60, 640)], fill=(245, 200, 20), outline=(60, 60, 60))
    d.text((sx - 9, 545), "!", fill=(20, 20, 20), font=_font(60))


def _restroom(d: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, 520), fill=(225, 228, 226))
    for x in range(0, w, 64):
        d.line((x, 0, x, 520), fill=(190, 195, 195), width=2)
    for y in range(0, 520, 64):
        d.line((0, y, w, y), fill=(190, 195, 195), width=2)
    d.rectangle((0, 520, w, h), fill=(120, 118, 110))
    d.rectangle((380, 90, 640, 290), fill=(190, 210, 220), outline=(120, 120, 120), width=6)  # mirror
    d.ellipse((390, 330, 630, 420), fill=(245, 245, 245), outline=(160, 160, 160), width=3)  # basin
    d.rectangle((490, 410, 530, 560), fill=(235, 235, 235))
    for _ in range(14):  # stains
        x, y = rnd.randint(0, w), rnd.randint(540, h)
        r = rnd.randint(12, 40)
        d.ellipse((x - r, y - r // 3, x + r, y + r // 3), fill=_shade((88, 70, 45), rnd, 12))
    bx = rnd.choice((130, 800))
    d.rectangle((bx, 470, bx + 110, 640), fill=(90, 95, 100))  # overflowing bin
    for _ in range(9):
        x, y = bx + rnd.randint(-30, 130), rnd.randint(430, 700)
        d.ellipse((x, y, x + rnd.randint(30, 55), y + rnd.randint(20, 40)), fill=(248, 248, 244),
                  outline=(200, 200, 200))


def _parking(d: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, 260), fill=_shade((150, 185, 215), rnd))  # sky
    d.rectangle((0, 170, w, 300), fill=(160, 150, 140))  # building
    d.rectangle((0, 300, w, h), fill=(78, 80, 84))  # asphalt
    for x in range(-200, w + 200, 260):
        d.line((x, 300, x + 160, h), fill=(235, 235, 235), width=10)
    d.rectangle((800, 120, 940, 240), fill=(30, 90, 170))  # the "customers" sign
    d.text((845, 122), "P", fill=(255, 255, 255), font=_font(70))
    d.rectangle((800, 240, 940, 280), fill=(255, 255, 255))
    d.text((812, 246), "КЛИЕНТЫ", fill=(30, 90, 170), font=_font(22))
    d.line((870, 280, 870, 420), fill=(90, 90, 90), width=8)
    colour = rnd.choice([(180, 30, 30), (30, 30, 32), (200, 200, 205), (30, 70, 140), (90, 90, 95)])
    x, y = rnd.randint(160, 380), rnd.randint(440, 500)
    d.rounded_rectangle((x, y, x + 440, y + 130), radius=30, fill=colour)  # body
    d.polygon([(x + 90, y), (x + 150, y - 80), (x + 320, y - 80), (x + 380, y)], fill=colour)  # cabin
    glass = (170, 200, 220)
    d.polygon([(x + 110, y - 5), (x + 160, y - 68), (x + 230, y - 68), (x + 230, y - 5)], fill=glass)
    d.polygon([(x + 245, y - 5), (x + 245, y - 68), (x + 310, y - 68), (x + 360, y - 5)], fill=glass)
    for wx in (x + 90, x + 350):
        d.ellipse((wx - 50, y + 90, wx + 50, y + 190), fill=(20, 20, 20))
        d.ellipse((wx - 22, y + 118, wx + 22, y + 162), fill=(150, 150, 150))


def _door_sign(d: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, h), fill=_shade((120, 110, 100), rnd))
    d.rectangle((250, 40, 780, h), fill=(60, 62, 66))
    d.rectangle((270, 60, 760, h), fill=(150, 180, 195))
    d.rectangle((350, 200, 690, 470), fill=(238, 236, 228), outline=(90, 90, 90), width=4)  # the hours sign
    lines = ["ЧАСЫ РАБОТЫ", "Пн–Пт 9:00–18:00", "Сб, Вс — выходной"]
    for i, text in enumerate(lines):
        d.text((372, 225 + i * 70), text, fill=_shade((150, 150, 150), rnd, 10), font=_font(26 if i else 24))
    d.polygon([(640, 470), (690, 400), (690, 470)], fill=(150, 180, 195))  # a torn corner


def _shopfront(d: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, h), fill=_shade((170, 160, 150), rnd))
    d.rectangle((60, 60, w - 60, 170), fill=(30, 60, 110))  # the sign, two letters dark
    letters = "ОТДЕЛЕНИЕ"
    for i, ch in enumerate(letters):
        dark = i in (2, 6)
        d.text((110 + i * 92, 78), ch, fill=(60, 70, 90) if dark else (255, 240, 180), font=_font(64))
    d.rectangle((80, 230, w - 80, h - 40), fill=(150, 175, 190))  # the window
    d.rectangle((560, 290, 860, 600), fill=(215, 200, 170))  # an old, faded poster
    d.text((590, 330), "АКЦИЯ", fill=(190, 120, 110), font=_font(54))
    d.text((590, 420), "до 31.12", fill=(170, 140, 120), font=_font(40))
    for _ in range(30):  # smudges
        x, y = rnd.randint(90, w - 90), rnd.randint(240, h - 50)
        r = rnd.randint(15, 60)
        d.ellipse((x - r, y - r // 2, x + r, y + r // 2), outline=_shade((120, 130, 120), rnd, 10), width=3)


def _waiting(d: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    w, h = SIZE
    d.rectangle((0, 0, w, 480), fill=_shade((214, 208, 196), rnd))
    d.rectangle((0, 480, w, h), fill=(160, 140, 120))
    for i in range(4):  # a row of chairs, the last one broken
        x = 90 + i * 150
        tilt = 40 if i == 3 else 0
        d.rectangle((x, 380 + tilt, x + 110, 420 + tilt), fill=(40, 80, 140))
        d.rectangle((x, 280 + tilt, x + 20, 420 + tilt), fill=(40, 80, 140))
        d.line((x + 10, 420 + tilt, x + 10, 520), fill=(60, 60, 60), width=6)
        d.line((x + 100, 420 + tilt, x + 100 + tilt, 520), fill=(60, 60, 60), width=6)
    d.rectangle((790, 260, 900, 560), fill=(235, 235, 238), outline=(150, 150, 150), width=3)  # the cooler
    d.ellipse((800, 150, 890, 200), outline=(120, 160, 200), width=4)  # an empty bottle
    d.rectangle((800, 175, 890, 265), outline=(120, 160, 200), width=4)
    for _ in range(8):  # litter
        x, y = rnd.randint(40, w - 40), rnd.randint(540, h - 20)
        d.rectangle((x, y, x + rnd.randint(20, 50), y + rnd.randint(10, 25)), fill=(245, 245, 240))


_DRAW = {"entrance": _entrance, "restroom": _restroom, "parking": _parking, "door_sign": _door_sign,
         "shopfront": _shopfront, "waiting": _waiting}


@lru_cache(maxsize=1)
def _grain() -> Image.Image:
    """Sensor grain, the same for every photo: seeded, so the demo's photos are reproducible."""
    rnd = random.Random("grain")
    return Image.frombytes("L", SIZE, rnd.randbytes(SIZE[0] * SIZE[1])).convert("RGB")


def scene(kind: str, seed: int) -> bytes:
    """A JPEG of `kind` (see SCENE_OF), different for each seed, the same for the same seed."""
    rnd = random.Random(f"{kind}:{seed}")
    im = Image.new("RGB", SIZE, (128, 128, 128))
    _DRAW[kind](ImageDraw.Draw(im), rnd)
    # a little grain: a drawing that reads more like a phone photo
    im = Image.blend(im, _grain(), 0.05)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=82)
    return out.getvalue()
