"""Settings from environment variables, one class per mode.

Every value has a development default so `make run` needs nothing. No constant session key is ever
used to serve: development generates a random key once into the instance folder (mode 0600) and reuses
it; production refuses to start without a SECRET_KEY of at least 32 bytes that is not a known default.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-not-secret"
SECRET_KEY_FILENAME = "secret_key"
MIN_SECRET_KEY_BYTES = 32
# Keys that appear in this repository, in framework tutorials or in copy-pasted examples.
KNOWN_DEFAULT_KEYS = frozenset({
    DEV_SECRET, "testing-secret", "dev", "development", "secret", "secret-key", "secret_key", "changeme",
    "change-me", "change_me", "please-change-me", "your-secret-key", "supersecret", "super-secret", "x",
    "default", "password", "flask-secret", "replace-me",
})


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_float(name: str, default: float | None) -> float | None:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def instance_dir() -> Path:
    return Path(os.environ.get("FORUM_INSTANCE_DIR") or BASE_DIR / "instance").resolve()


class InsecureSecretKey(RuntimeError):
    """The configured SECRET_KEY would let anyone forge session cookies."""


def check_secret_key(key: str) -> str:
    """Return key when it may sign sessions; raise InsecureSecretKey naming the problem otherwise."""
    if not key:
        raise InsecureSecretKey("SECRET_KEY is empty: set SECRET_KEY to a long random value "
                                "(python3 -c 'import secrets; print(secrets.token_urlsafe(48))').")
    if key.strip().lower() in KNOWN_DEFAULT_KEYS:
        raise InsecureSecretKey("SECRET_KEY is a well-known default value: anyone could forge a session. "
                                "Set a long random value.")
    if len(key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
        raise InsecureSecretKey(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes: set a long random value.")
    return key


def instance_secret_key(folder: Path) -> str:
    """The instance folder's own random key, created once (mode 0600) and then reused.

    Several processes start together under `make run` (gunicorn workers and the moderation worker): the
    key is written to a private temporary file and linked into place, so exactly one key wins and nobody
    reads a half-written file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_KEY_FILENAME
    if not path.exists():
        tmp = folder / f".{SECRET_KEY_FILENAME}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    for _ in range(50):
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return check_secret_key(key)
        time.sleep(0.01)
    raise InsecureSecretKey(f"{path} is empty: delete it and start again to generate a new key.")


class Config:
    ENV_NAME = "development"
    SECRET_KEY = ""
    FORUM_INSTANCE_DIR = str(instance_dir())
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir() / 'forum.sqlite3'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    RATE_LOGIN = os.environ.get("RATE_LOGIN", "10 per minute;50 per hour")
    RATE_REGISTER = os.environ.get("RATE_REGISTER", "5 per hour")
    RATE_RESET = os.environ.get("RATE_RESET", "5 per hour")
    RATE_POST = os.environ.get("RATE_POST", "10 per minute;200 per day")
    RATE_REPORT = os.environ.get("RATE_REPORT", "10 per hour")  # per member
    RATE_REPORT_ADDRESS = os.environ.get("RATE_REPORT_ADDRESS", "60 per hour")  # per network (shared Wi-Fi: roomier)
    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto/-Host (werkzeug ProxyFix); 0: none,
    # REMOTE_ADDR is the client. Set it to exactly the number you run, or clients can forge their address.
    FORUM_PROXY_HOPS = _env_int("FORUM_PROXY_HOPS", 0)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None

    MAX_TITLE_LENGTH = _env_int("MAX_TITLE_LENGTH", 200)
    MAX_BODY_BYTES = _env_int("MAX_BODY_BYTES", 200_000)
    MAX_MENTIONS_PER_POST = _env_int("MAX_MENTIONS_PER_POST", 10)  # different @names in one post
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 1_000_000)
    MAX_PAGE = _env_int("MAX_PAGE", 100_000)
    THREADS_PER_PAGE = _env_int("THREADS_PER_PAGE", 25)
    POSTS_PER_PAGE = _env_int("POSTS_PER_PAGE", 20)
    RESET_TOKEN_MAX_AGE = _env_int("RESET_TOKEN_MAX_AGE", 3600)
    REGISTER_TOKEN_MAX_AGE = _env_int("REGISTER_TOKEN_MAX_AGE", 86_400)  # seconds to follow the link
    PASSWORD_HASH_METHOD = "scrypt"

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "forum@localhost")
    SITE_NAME = os.environ.get("SITE_NAME", "MS Community Forum")

    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "")
    CLASSIFIER_THRESHOLDS: dict[str, float] | None = None
    CLASSIFIER_HOLD_THRESHOLDS: dict[str, float] | None = None
    CLASSIFIER_HOLD_THRESHOLD = _env_float("CLASSIFIER_HOLD_THRESHOLD", None)
    WORKER_BATCH_SIZE = _env_int("WORKER_BATCH_SIZE", 64)
    WORKER_POLL_SECONDS = _env_float("WORKER_POLL_SECONDS", 2.0)
    REPORT_HIDE_THRESHOLD = _env_int("REPORT_HIDE_THRESHOLD", 3)  # weighted reports that hide a post (reports.py)
    REPORT_STANDING_DAYS = _env_int("REPORT_STANDING_DAYS", 7)    # a reporter's account must be this old ...
    REPORT_STANDING_POSTS = _env_int("REPORT_STANDING_POSTS", 3)  # ... with this many posts, to count toward a hide
    REPORT_NOTE_MAX_LENGTH = _env_int("REPORT_NOTE_MAX_LENGTH", 500)
    APPEAL_MAX_LENGTH = _env_int("APPEAL_MAX_LENGTH", 1000)
    MODERATION_NOTE_MAX_LENGTH = _env_int("MODERATION_NOTE_MAX_LENGTH", 2000)
    MODERATION_QUEUE_PER_PAGE = _env_int("MODERATION_QUEUE_PER_PAGE", 20)
    MODERATION_MAX_SUSPEND_DAYS = _env_int("MODERATION_MAX_SUSPEND_DAYS", 365)
    # Known claims and providers (moderation/known.py, /moderation/claims and /moderation/providers)
    KNOWN_CLAIM_MIN_LENGTH = _env_int("KNOWN_CLAIM_MIN_LENGTH", 15)
    KNOWN_CLAIM_MAX_LENGTH = _env_int("KNOWN_CLAIM_MAX_LENGTH", 400)   # "a sentence or two"
    KNOWN_PARAPHRASES_MAX = _env_int("KNOWN_PARAPHRASES_MAX", 10)      # wordings per claim
    KNOWN_CLAIM_THRESHOLD = _env_float("KNOWN_CLAIM_THRESHOLD", None)  # None: the matcher's tuned default

    # Privacy and retention (forum/privacy): `forum purge`, the worker and the /privacy page all read these.
    IP_RETENTION_DAYS = _env_int("IP_RETENTION_DAYS", 30)  # hashed network addresses of logins
    DELETED_POST_RETENTION_DAYS = _env_int("DELETED_POST_RETENTION_DAYS", 30)  # then the text is erased
    EXPORT_RETENTION_DAYS = _env_int("EXPORT_RETENTION_DAYS", 7)  # a data export can be downloaded this long
    USERNAME_RESERVATION_DAYS = _env_int("USERNAME_RESERVATION_DAYS", 90)  # an old username redirects this long
    EMAIL_CHANGE_TOKEN_MAX_AGE = _env_int("EMAIL_CHANGE_TOKEN_MAX_AGE", 86_400)  # seconds
    PURGE_INTERVAL_HOURS = _env_int("PURGE_INTERVAL_HOURS", 24)  # how often the worker applies the rules

    # Operating (forum/backup.py, forum/health.py, forum/metrics.py)
    BACKUP_EVERY_HOURS = _env_int("BACKUP_EVERY_HOURS", 0)  # the worker's scheduled backup; 0: off
    BACKUP_KEEP = _env_int("BACKUP_KEEP", 7)                # newest archives kept by the scheduled backup
    BACKUP_DIR = os.environ.get("BACKUP_DIR", "")           # '': instance/backups
    HEALTH_MAX_HEARTBEAT_AGE = _env_int("HEALTH_MAX_HEARTBEAT_AGE", 300)  # seconds, while posts are pending
    METRICS_ALLOWED = os.environ.get("METRICS_ALLOWED", "127.0.0.1,::1")  # addresses/networks that may read /metrics

    def __init__(self) -> None:
        self.SECRET_KEY = self._secret_key()
        thresholds = {}
        for label in ("clinic_promotion", "misinformation"):
            value = _env_float(f"CLASSIFIER_THRESHOLD_{label.upper()}", None)
            if value is not None:
                thresholds[label] = value
        self.CLASSIFIER_THRESHOLDS = thresholds or None
        holds = {}
        for label in ("clinic_promotion", "misinformation"):
            value = _env_float(f"CLASSIFIER_HOLD_THRESHOLD_{label.upper()}", None)
            if value is not None:
                holds[label] = value
        self.CLASSIFIER_HOLD_THRESHOLDS = holds or None

    def _secret_key(self) -> str:
        """SECRET_KEY from the environment when set (it must be strong), else the instance folder's key."""
        key = os.environ.get("SECRET_KEY", "")
        if key:
            return check_secret_key(key)
        return instance_secret_key(Path(self.FORUM_INSTANCE_DIR))


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # tests never serve; each test app gets this fixed key

    def _secret_key(self) -> str:
        return self.SECRET_KEY
    RATE_LOGIN = RATE_REGISTER = RATE_RESET = RATE_POST = RATE_REPORT = RATE_REPORT_ADDRESS = "100000 per second"
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # same algorithm, cheap work factor: tests hash thousands
    REPORT_STANDING_DAYS = REPORT_STANDING_POSTS = 0  # tests that need standing set it (tests/security)
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def _secret_key(self) -> str:
        """Production never invents a key: several machines must share it, so it comes from the environment."""
        key = os.environ.get("SECRET_KEY", "")
        if not key:
            raise InsecureSecretKey("Refusing to start in production without a SECRET_KEY environment variable "
                                    f"of at least {MIN_SECRET_KEY_BYTES} random bytes.")
        return check_secret_key(key)


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def load_config(name: str | None = None) -> Config:
    """Pick the config class from FORUM_ENV (development, testing, production)."""
    name = name or os.environ.get("FORUM_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"FORUM_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]()
