"""Every limit the product enforces against abuse, in one place; the README's table lists them."""

from __future__ import annotations

from dataclasses import dataclass

# -- sign-in ---------------------------------------------------------------------------------
SIGN_IN_MAX_FAILURES = 5  # wrong passwords in a row before the account is locked
SIGN_IN_LOCK_MINUTES = 15
SIGN_IN_PER_ACCOUNT = (10, 60)  # attempts per name (known or not) per this many seconds
SIGN_IN_PER_ADDRESS = (30, 300)  # attempts per client address per this many seconds
# Argon2id takes 64 MiB per hash: this many run at once per process, the rest wait their turn
PASSWORD_HASH_SLOTS = 2
PASSWORD_HASH_WAIT_SECONDS = 20.0  # a sign-in that waits longer is told to try again
SESSION_DAYS = 14
SESSION_PRUNE_EVERY_SECONDS = 3600  # expired sessions are removed at most this often

# -- photos and other uploads ------------------------------------------------------------------
PHOTO_MAX_BYTES = 25 * 1024 * 1024
PHOTO_MAX_PIXELS = 50_000_000
# What decoding may allocate (Pillow's buffers at the size it really decodes, after a JPEG
# is reduced): above the shared budget one decode runs at a time per process; above the
# maximum the photo is refused before any pixel is decoded.
PHOTO_DECODE_SHARED_BYTES = 128 * 1024 * 1024
PHOTO_DECODE_MAX_BYTES = 256 * 1024 * 1024
PHOTO_DECODE_WAIT_SECONDS = 60.0
# What a phone sends of a photo, whatever the camera made: the long edge at most this many
# pixels, and the JPEG's quality lowered step by step until it is at most this many bytes
# (the capture time and GPS are read from the original first and travel beside it).
PHOTO_SEND_LONG_EDGE = 2048
PHOTO_SEND_MAX_BYTES = 600 * 1024
PHOTO_FLAGS_SHOWN = 3  # re-use flags listed under one photo (app and PDF); the rest as "+N more"
UPLOADS_PER_MINUTE = 30  # photos one person may send per minute, counted across processes
# Photos of one person being received at once in a process (a phone sends one at a time);
# more answer 503 with Retry-After, and the phone's outbox sends them again.
PHOTO_UPLOADS_IN_FLIGHT = 2
# Photo bodies one process holds at once, whoever sends them (each counted at its declared
# length, or at PHOTO_MAX_BYTES when it comes chunked); over it an upload waits its turn on
# the phone (503 with Retry-After), before a byte of it is read.
PHOTO_BODIES_SHARED_BYTES = 64 * 1024 * 1024
PHOTO_BUSY_RETRY_SECONDS = 5  # the Retry-After of a photo refused for either of the two above
LOGO_MAX_BYTES = 500_000
LOGO_MAX_PIXELS = 4_000_000
LOGO_MAX_SIDE = 4000

# -- request bodies (audit/web/bodies.py caps each one by route as it arrives) --------------
BODY_MAX_BYTES = 4 * 1024  # any request not named below: the sign-in hand-off, anything unknown
SYNC_BODY_MAX_BYTES = 2 * 1024 * 1024  # one batch of a phone's outbox (/api/sync)
SYNC_BATCHES_PER_MINUTE = 120  # outbox batches one person may send per minute, across processes
# Streamlit's uploader (/_stcore/upload_file/): a photo-sized file and its multipart envelope
UPLOAD_FORM_MAX_BYTES = PHOTO_MAX_BYTES + 64 * 1024
SIGN_IN_FORM_MAX_BYTES = 4 * 1024  # the sign-in page's form (POST /signin): a name and a password
JSON_MAX_DEPTH = 10  # nesting of a route's JSON body (a phone's batch needs 5)

# -- checklists (templates) --------------------------------------------------------------------
TEMPLATE_MAX_BYTES = 300_000
TEMPLATE_MAX_DEPTH = 16  # nesting of YAML mappings and lists
TEMPLATE_MAX_NODES = 60_000  # YAML values after aliases are expanded
TEMPLATE_MAX_SECTIONS = 40
TEMPLATE_MAX_ITEMS = 400  # in the whole checklist
TEMPLATE_MAX_ITEMS_PER_SECTION = 80
TEMPLATE_MAX_OPTIONS = 20  # options of one choice item, bands of one banded item
TEMPLATE_MAX_ID = 64  # characters of an id
TEMPLATE_MAX_TITLE = 200  # characters of a title or an option's text, per language
TEMPLATE_MAX_TEXT = 600  # characters of an item's text, per language
TEMPLATE_MAX_LONG_TEXT = 3000  # characters of guidance or a description, per language

# -- answers -----------------------------------------------------------------------------------
TEXT_ANSWER_MAX_CHARS = 5000
COMMENT_MAX_CHARS = 2000
SECTION_NA_REASON_MAX_CHARS = 500  # why a whole section does not apply
CAPTION_MAX_CHARS = 200  # what a photo shows, printed under it
REVIEW_COMMENT_MAX_CHARS = 2000  # a reviewer's comment, send-back note or grade note
ACTION_NOTE_MAX_CHARS = 2000  # what a branch did about a finding
ACTION_REASON_MAX_CHARS = 500  # why HQ sends an action back, or reopens it
TYPO_TEXT_MAX_CHARS = 10_000  # a website text pasted for the typo check
TYPO_WORDS_MAX = 200  # flagged or confirmed words kept with one answer
TYPO_WORD_MAX_CHARS = 40


@dataclass(frozen=True)
class NumberRange:
    low: float
    high: float


# Numbers an answer may hold when the checklist says nothing narrower: a wait of more than a
# day, or a count in the millions, is a slip of the thumb or an attack, never an observation.
NUMBER_RANGES: dict[str, NumberRange] = {
    "number": NumberRange(0, 1_000_000),
    "wait_time": NumberRange(0, 24 * 60),
}

# -- the phone's outbox (sync) -------------------------------------------------------------------
SYNC_MAX_CHANGES = 500  # changes in one batch
# A phone's clock may run this far ahead of the server's; a change dated later is taken as
# made now, so a wrong (or forged) date cannot keep later changes of its field out.
PHONE_CLOCK_SKEW_SECONDS = 300
# Receipts an audit keeps per phone: the sequences that arrived past a gap (a photo still
# uploading leaves one), and the phones remembered per audit, the least recently seen dropped.
SYNC_RECEIPT_GAPS_MAX = 200
SYNC_CLIENTS_MAX = 20
# An audit submitted on the phone waits this long for its photos; then (the app's hourly thread,
# or `audit release-held` from cron) it is completed without the ones that never arrived,
# listed as missing. The reviewer or HQ may release it sooner by hand.
HELD_AUDIT_RELEASE_HOURS = 72
# The phone gives a sync up after this long (a half-open socket on a dropping link never ends a
# request by itself) and sends it again after a pause that doubles up to the second figure.
SYNC_WAIT_SECONDS = 15
SYNC_RETRY_MAX_SECONDS = 15
# Zone offsets on Earth run from -12:00 to +14:00; a photo's EXIF offset beyond ±14:00 is ignored
UTC_OFFSET_MAX_MINUTES = 14 * 60

# -- the typo check ----------------------------------------------------------------------------
TYPO_CHECK_WORD_MAX = 30  # letters; a longer "word" is flagged without looking for a fix
TYPO_CHECK_SUGGESTIONS = 30  # unknown words per text that get a correction looked for
TYPO_CHECK_FULL_SEARCHES = 5  # of those, Russian ones looked up in the full dictionary (slow)
TYPO_CHECK_SECONDS = 1.5  # CPU per text inside the worker; the rest is left unchecked
TYPO_CHECK_TIMEOUT = 20.0  # what the caller waits for a free worker, then for its answer
TYPO_CHECK_START_SECONDS = 30.0  # a new worker's start (loading the dictionaries takes ~1 s)
TYPO_CHECK_WORKERS = 1  # processes; 0 checks in the caller's thread (tests, the CLI)

# -- customers' voice (the page behind a location's QR code, /v/<location>) -----------------------
VOICE_BODY_MAX_BYTES = 8 * 1024  # one customer's form: a few dozen radio buttons and a comment
VOICE_TEXT_MAX_CHARS = 1000  # the customer's own words, plain text
VOICE_PER_DEVICE_PER_DAY = 1  # responses per phone per location per day (a cookie and the daily hash)
VOICE_MIN_SECONDS = 4  # a form sent sooner after the page was served is a script's (asked again)
VOICE_FORM_MAX_SECONDS = 6 * 3600  # a page open longer is served afresh to be sent again
VOICE_PER_ADDRESS = (20, 3600)  # responses per network address per this many seconds, across processes
# responses per location per this many seconds; beyond it they are held for HQ as a burst, not counted
VOICE_PER_LOCATION = (60, 3600)
VOICE_HELD_PER_LOCATION = (200, 3600)  # held responses per location; beyond, refused outright

# -- corrective actions and their e-mails ------------------------------------------------------
MAIL_NEWS_DAYS = 7  # an audit that reached its branch longer ago than this is e-mailed about to nobody
DIGEST_MAX_LINES = 40  # overdue actions one digest lists one by one; the rest by location, then a link
DIGEST_MAX_LOCATIONS = 60  # locations the digest's summary names; the rest are counted in one line
REASSIGN_MAX = 500  # actions one bulk reassignment changes

# -- integrations: the API, webhooks and the feed ----------------------------------------------
API_REQUESTS_PER_MINUTE = 600  # requests one API token may make; every process counts against it
API_PAGE_DEFAULT = 100  # rows a page of the API holds unless `limit` asks otherwise
API_PAGE_MAX = 1000  # the most rows one page holds
API_BODY_MAX_BYTES = 64 * 1024  # one write's JSON body
# a page by last change serves only rows changed at least this long ago: a write stamps its time
# before it commits, so a row stamped earlier than one already served may still appear meanwhile
API_SETTLE_SECONDS = 10
API_TOKENS_MAX = 200  # API tokens a store keeps (revoked ones included)
API_TOKEN_NAME_MAX_CHARS = 100
WEBHOOK_ENDPOINTS_MAX = 20  # endpoints HQ may register
WEBHOOK_URL_MAX_CHARS = 2000
WEBHOOK_TIMEOUT_SECONDS = 10.0  # a receiver that answers slower has failed this attempt
WEBHOOK_RETRY_HOURS = 24  # a delivery is retried with backoff this long, then given up
FEED_MAX_ROWS = 1_000_000  # rows one feed request streams
