"""`python -m circle`: serve Kring, pages and live meetings, on HOST:PORT (default 127.0.0.1:5000).

eventlet and gevent must patch the standard library before anything else
is imported, but `python -m circle` imports the package first. So for
those two this starts once more, in a fresh interpreter that patches first.
The server kind therefore comes from KRING_ASYNC_MODE (default eventlet),
not from instance/config.py.

Before serving, the rows of `Connection` (who is connected now) left by this
host's earlier server processes are deleted: a killed process never said
goodbye, so its phones would look connected forever. Only this host's
processes that no longer run are forgotten (see presence.forget_dead_servers);
the limit is that another host's crashed process leaves its rows until a
server on that host starts again.

The eventlet server is served through circle/serving.py, which gives every
connection deadlines and caps so that no client can hold the server still
(docs/security.md); gevent and threading are served as Flask-SocketIO does.
"""

import os
import sys

ASYNC_MODE = os.environ.get("KRING_ASYNC_MODE", "eventlet")

#: What runs first in the fresh interpreter, per server kind.
PATCH = {
    "eventlet": (
        "import warnings; warnings.filterwarnings('ignore', message='(?s).*Eventlet is deprecated'); "
        "import eventlet; eventlet.monkey_patch()"
    ),
    "gevent": "from gevent import monkey; monkey.patch_all()",
}


def _restart_patched() -> None:
    """Start again in a fresh interpreter that patches the standard library before importing Kring."""
    os.environ["_KRING_PATCHED"] = ASYNC_MODE
    code = f"{PATCH[ASYNC_MODE]}; import runpy; runpy.run_module('circle', run_name='__main__')"
    os.execv(sys.executable, [sys.executable, "-c", code, *sys.argv[1:]])


def settle(app) -> None:
    """Compile the live meeting's templates, then freeze what start-up made (`gc.freeze`).

    Start-up leaves some 175,000 objects that live as long as the server. Each
    full garbage collection walked them all: 60 to 90 ms on a 2-core machine,
    during which eventlet's whole server stood still, and every few hundred
    broadcasts one fell amid a step or a burst of answers (the p99 of
    tests/bench/live_latency.py). Frozen, they are never walked again; the
    collector only looks at what came after (docs/performance/sending.md).
    """
    import gc

    for name in app.jinja_env.list_templates(filter_func=lambda name: name.startswith("meetings/")):
        app.jinja_env.get_template(name)
    gc.collect()
    gc.freeze()


def main() -> None:
    """Create the app and serve it until Ctrl+C."""
    from circle import create_app, presence
    from circle.extensions import socketio

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    app = create_app()
    mode = app.config["ASYNC_MODE"]
    if mode != ASYNC_MODE:
        raise SystemExit(
            f"ASYNC_MODE is {mode!r} in the configuration, but the server was prepared for "
            f"{ASYNC_MODE!r}: start it with KRING_ASYNC_MODE={mode} instead."
        )
    with app.app_context():
        presence.forget_dead_servers()
    settle(app)
    print(f"Kring runs on http://{host}:{port}/ ({mode}); stop with Ctrl+C.", flush=True)
    if mode == "eventlet":
        from circle import serving

        serving.serve(app, host, port)  # deadlines and caps at the door: docs/security.md
        return
    options = {"allow_unsafe_werkzeug": True} if mode == "threading" else {}
    socketio.run(app, host=host, port=port, **options)


if __name__ == "__main__":
    if ASYNC_MODE in PATCH and os.environ.get("_KRING_PATCHED") != ASYNC_MODE:
        _restart_patched()
    main()
