"""live_latency.py's floor: a bare python-socketio server, in its own process, and the same clients run against it.

    .venv/bin/python tests/bench/live_bare.py --port PORT [--template FILE]

BareServer starts this file so, on a free loopback port; run_bare connects the
clients of live_phones.py to it and measures what live_measures.py measures.
"""

import sys

if __name__ == "__main__":
    # The bare server runs this file in its own process: eventlet patches first.
    import warnings

    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

from live_common import HOST, ROOT, STARTED, TALLY, free_port, measure, stop_process  # noqa: E402
from live_measures import Result, all_at_once, steps  # noqa: E402
from live_phones import PagePhone, Phone, connect_all, hang_up  # noqa: E402


# --- The bare python-socketio server (its own process) -------------------------------


def serve_bare(port: int, template_path: str | None) -> None:
    """A python-socketio server on eventlet's WSGI server: one room, one version counter.

    For programs, `step` broadcasts a `state` and `answer` an `answer`; for pages
    (payload `parts: true`) `step` broadcasts a full `parts` message and `answer`
    a one-answer `parts` message, and `parts` answers with the full one. All are
    copies of what Kring sent in this run (from `template_path`) with the version
    (and member) put in, so the bare server sends documents of the same size and shape.
    """
    import eventlet.wsgi
    import socketio

    templates = json.loads(Path(template_path).read_text()) if template_path else {}
    state_template = templates.get("state") or {"version": 0, "pad": ""}
    answer_template = templates.get("answer") or {
        "version": 0, "round": 1, "seat": {"member": 0, "answered": True}, "current": None, "complete": False}
    full_template = templates.get("parts_full") or {"version": 0, "full": True, "ops": []}
    ops_template = templates.get("parts_answer") or {"version": 0, "full": False, "ops": []}

    class TextPacket(socketio.packet.Packet):
        """As Kring's server sends (circle/extensions.py): JSON text, not searched for bytes to attach."""

        uses_binary_events = False

    sio = socketio.Server(async_mode="eventlet", ping_interval=10, ping_timeout=10, serializer=TextPacket)
    versions: Counter = Counter()  # per room (the `meeting` a client connects with; --meetings: many)
    rooms: dict[str, str] = {}  # sid -> its room

    def full(room: str) -> dict:
        return dict(full_template, version=versions[room], full=True)

    @sio.on("connect")
    def connect(sid, environ, auth=None):
        room = rooms[sid] = f"meeting:{auth.get('meeting') if isinstance(auth, dict) else None}"
        sio.enter_room(sid, room)
        if not (isinstance(auth, dict) and auth.get("view")):  # a page asks for its parts itself
            sio.emit("state", dict(state_template, version=versions[room]), to=sid)

    @sio.on("disconnect")
    def disconnect(sid, reason=None):
        rooms.pop(sid, None)

    @sio.on("step")
    def step(sid, payload=None):
        room = rooms[sid]
        versions[room] += 1
        if (payload or {}).get("parts"):
            sio.emit("parts", full(room), to=room)
        else:
            sio.emit("state", dict(state_template, version=versions[room]), to=room)
        return {"ok": True, "version": versions[room]}

    @sio.on("answer")
    def answer(sid, payload=None):
        room = rooms[sid]
        versions[room] += 1
        if (payload or {}).get("parts"):
            sio.emit("parts", dict(ops_template, version=versions[room], full=False), to=room)
            return {"ok": True, "version": versions[room]}
        change = copy.deepcopy(answer_template)
        change["version"] = versions[room]
        change["round"] = (payload or {}).get("round", change.get("round"))
        change["seat"]["member"] = (payload or {}).get("member")
        sio.emit("answer", change, to=room)
        return {"ok": True, "version": versions[room]}

    @sio.on("parts")
    def parts(sid, payload=None):
        room = rooms[sid]
        have = (payload or {}).get("version")
        if isinstance(have, int) and have >= versions[room]:
            return {"ok": True, "version": versions[room], "full": False, "ops": []}
        return {"ok": True, **full(room)}

    listener = eventlet.listen((HOST, port))
    # As Kring's server sends (circle/serving.py, `without_delay`): each connection inherits it from the listener.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print("bare server ready", flush=True)
    eventlet.wsgi.server(listener, socketio.WSGIApp(sio), log_output=False, max_size=8192)


class BareServer:
    """`live_bare.py` in a subprocess on a free loopback port."""

    def __init__(self, folder: Path, templates: dict):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = folder / "bare.log"
        path = folder / "bare-templates.json"
        path.write_text(json.dumps(templates))
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--port", str(self.port), "--template", str(path)],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        STARTED.append(self.process)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bare server exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() >= deadline:
                    self.stop()
                    raise RuntimeError("the bare server did not answer within 20 s")
                time.sleep(0.05)

    def stop(self) -> None:
        stop_process(self.process)


# --- The same clients and patterns against it ----------------------------------------


def run_bare(n: int, clients: str, templates: dict, folder: Path, cycles: int) -> Result:
    """The bare server with the same clients (programs or pages) and the same patterns."""
    result = Result()
    TALLY.take()
    bare = BareServer(folder, templates)
    pages = clients == "pages"
    try:
        if pages:
            phones = [PagePhone(bare.url, member=i + 1, view="console" if i == 0 else "phone") for i in range(n + 1)]
        else:
            phones = [Phone(bare.url, member=i + 1) for i in range(n + 1)]
        fac, members = phones[0], phones[1:]

        async def step(start: bool, based_on: int) -> dict:
            return await fac.sio.call("step", {"based_on": based_on, "parts": pages}, timeout=15)

        async def answer(p: Phone) -> dict:
            return await p.sio.call("answer", {"member": p.member, "round": 1, "parts": pages}, timeout=60)

        async def session() -> None:
            try:
                await connect_all(phones)
                await steps(fac, phones, cycles, step, result)
                await all_at_once(phones, members, 1, answer, result)
            finally:
                result.client_log = TALLY.take()  # what hanging up logs is no news
                await hang_up(phones)
                TALLY.take()

        measure(session)
    except Exception as failed:  # noqa: BLE001
        result.error = f"{type(failed).__name__}: {failed}"[:400]
    finally:
        bare.stop()
    return result


if __name__ == "__main__":
    bare = argparse.ArgumentParser()
    bare.add_argument("--port", type=int, required=True)
    bare.add_argument("--template")
    options = bare.parse_args()
    serve_bare(options.port, options.template)
    sys.exit(0)
