"""Kring: the sociocratic circle method, live on phones, with a tamper-evident record."""

import os
import secrets
import warnings
from pathlib import Path

from flask import Flask, request
from werkzeug.routing import IntegerConverter
from sqlalchemy import event
from sqlalchemy.engine import Engine

from circle.extensions import TextPacket, babel, compress, csrf, db, login, migrate, socketio
from circle.guard import MessageLimit

# eventlet announces its own retirement whenever it is loaded; it is Kring's default server, with gevent and
# threading one setting away (README, `KRING_ASYNC_MODE`; docs/performance/sending.md), so we keep it knowingly.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)

PACKAGE = Path(__file__).resolve().parent
#: In a source checkout templates/ and static/ sit beside the package; a wheel carries them inside it.
SHARED = PACKAGE.parent if (PACKAGE.parent / "templates").is_dir() else PACKAGE
#: The languages Kring speaks, the default first; each but English (the source) has a catalogue in
#: circle/translations/. Adding one: README "Adding a language".
LANGUAGES = ("nl", "en", "tr", "ar")


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the Kring application: settings, extensions, blueprints and commands.

    `instance_path` replaces the instance/ folder (tests use a temporary one).
    """
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(SHARED / "templates"),
        static_folder=str(SHARED / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "kring.sqlite3"),
        ASYNC_MODE="eventlet",
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam",
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE / "translations"),
        LANGUAGES=LANGUAGES,
        # Seconds a personal sign-in link works after it was made: 90 days (docs/membership.md).
        SIGN_IN_MAX_AGE=90 * 24 * 60 * 60,
        MAX_CONTENT_LENGTH=256 * 1024,
        # The largest Socket.IO message (one WebSocket frame or one long-polling post) the server
        # reads; a bigger one closes the connection. Far above the largest valid event (about
        # 100 KB at worst), small enough that no connection makes the server hold much.
        MAX_MESSAGE_BYTES=256 * 1024,
        # Keeping the server up (docs/security.md): what eventlet's server allows each connection
        # (circle/serving.py), and how fast anyone may send Socket.IO events (circle/limits.py).
        REQUEST_HEADER_SECONDS=10,
        REQUEST_BODY_SECONDS=10,
        SOCKET_TIMEOUT=20,
        MAX_CONNECTIONS=4096,
        CONNECTION_HEADROOM=256,
        MAX_CONNECTIONS_PER_ADDRESS=500,
        EVENT_BURST=60,
        EVENT_RATE=10,
        PERSON_EVENT_BURST=100,
        PERSON_EVENT_RATE=20,
        # A meeting page stays open for hours; its forms must still post at the end.
        WTF_CSRF_TIME_LIMIT=None,
        # Brotli and gzip come out smallest for our pages; zstd would add ~2 KB a page.
        COMPRESS_ALGORITHM=["br", "gzip", "deflate"],
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=60 * 60 * 24 * 365,
        PREFERRED_URL_SCHEME="http",
        # Behind a reverse proxy: how many proxies stand in front (circle/headers.py); 0 trusts no X-Forwarded-*.
        PROXY_FIX=0,
        # SQLite's fsync on every commit (FULL) or only when the log is written back (NORMAL):
        # see _sqlite_synchronous and docs/performance/sending.md, "Why p99 jumped under eventlet".
        SQLITE_SYNCHRONOUS="NORMAL",
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("KRING")
    if config:
        app.config.update(config)
    app.url_map.converters["int"] = DatabaseId
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)

    db.init_app(app)
    with app.app_context():
        _sqlite_synchronous(db.engine, app.config["SQLITE_SYNCHRONOUS"])
    migrate.init_app(app, db, directory=str(PACKAGE / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    compress.init_app(app)
    app.after_request(_whole_static_file)  # runs before Compress's own hook: see below
    login.init_app(app)
    from circle import i18n

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    from circle import live  # registers the Socket.IO handlers before the server exists

    app.session_interface = live.SessionOncePerConnection()

    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        # Servers of one installation share a channel; another installation on the same Redis sets its own.
        channel=app.config.get("SOCKETIO_CHANNEL", "flask-socketio"),
        ping_interval=app.config.get("PING_INTERVAL", 10),
        ping_timeout=app.config.get("PING_TIMEOUT", 10),
        max_http_buffer_size=app.config["MAX_MESSAGE_BYTES"],
        serializer=TextPacket,
    )
    app.wsgi_app = MessageLimit(app.wsgi_app, socketio.server.eio, app.config["MAX_MESSAGE_BYTES"])

    from circle import auth, cli, views, words

    words.init_app(app)
    from circle import text

    text.init_app(app)  # the template filters that isolate people's text for direction
    auth.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    from circle import headers

    headers.init_app(app)  # last: its wrapping (and ProxyFix's) must be outermost
    return app


class DatabaseId(IntegerConverter):
    """`<int:...>` in every URL: only numbers a database id can be, so a huge one is a plain 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _whole_static_file(response):
    """Read our (small) static files whole, so Flask-Compress gzips them like pages.

    Left streamed, Flask-Compress would compress them chunk by chunk without
    gzip (which older phones may need) and without closing the file.
    """
    if request.endpoint == "static" and response.direct_passthrough and response.status_code == 200:
        response.direct_passthrough = False
        response.make_sequence()
    return response


def database_uri(uri: str) -> str:
    """Use psycopg2 for a plain PostgreSQL address: eventlet greens psycopg2, not psycopg 3."""
    for plain in ("postgresql://", "postgres://"):
        if uri.startswith(plain):
            return "postgresql+psycopg2://" + uri[len(plain):]
    return uri


def _instance_secret(instance_path: str) -> str:
    """Read the installation's secret key, creating it on first start; never hard-coded."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Make SQLite keep foreign keys and let readers and a writer work side by side."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")  # writers queue; many answering at once wait their turn
        cursor.close()


def _sqlite_synchronous(engine: Engine, synchronous: str) -> None:
    """When SQLite waits for the disk: NORMAL (the default) unless SQLITE_SYNCHRONOUS says FULL.

    With the WAL, FULL waits for the disk (fsync) on every commit: 1 to 25 ms on
    this project's machines, during which eventlet's whole server stands still,
    since SQLite's calls do not yield; fifty members answering at once queue
    fifty of them. NORMAL syncs only when the WAL is written back into the
    database. A killed or crashed server loses nothing committed; a power cut or
    an operating system crash may lose the last commits before it, each whole:
    an action's rows and its log entry are one transaction, so the record's
    chain still holds, it only ends earlier (docs/performance/sending.md). FULL is for
    a disk that must keep every acknowledged action through a power cut.
    """
    if engine.dialect.name != "sqlite":
        return
    pragma = f"PRAGMA synchronous={'FULL' if str(synchronous).upper() == 'FULL' else 'NORMAL'}"

    @event.listens_for(engine, "connect")
    def set_synchronous(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute(pragma)
        cursor.close()
