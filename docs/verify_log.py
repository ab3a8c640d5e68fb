#!/usr/bin/env python3
"""Check a Kring log downloaded as JSON Lines: has anything been changed, removed, added or moved?

Standard library only; no Kring code. Usage:

    python3 verify_log.py kring-circle-1-log.jsonl [--head HASH]

For every line it recomputes the entry's SHA-256 over its canonical form
(see record-format.md), checks that `prev` is the hash on the line before
and that `seq` counts 1, 2, 3, ... without gaps. With `--head`, it also
checks that a hash you noted down earlier is one of the entries.

Exit 0 with a one-line summary when everything holds; exit 1 naming the
first line that does not hold, and why.
"""

import argparse
import hashlib
import json
import sys

FIELDS = {"seq", "circle", "at", "actor", "action", "data", "prev", "hash"}


def canonical(value):
    """The one JSON spelling Kring hashes: keys sorted, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def problem(raw, previous):
    """What is wrong with one line, or None; `previous` is the entry on the line before (or None)."""
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
        entry = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return "not valid JSON (UTF-8)"
    if not isinstance(entry, dict) or set(entry) != FIELDS:
        return "not a log entry: it needs exactly the fields " + ", ".join(sorted(FIELDS))
    if not isinstance(entry["seq"], int) or not all(isinstance(entry[k], str) for k in ("prev", "hash")):
        return "seq must be a number, prev and hash text"
    if canonical(entry) != text:
        return "not written in the canonical form (a byte was changed?)"
    expected_seq = 1 if previous is None else previous["seq"] + 1
    if entry["seq"] != expected_seq:
        return f"entry {entry['seq']} where entry {expected_seq} belongs (a line was removed, added or moved)"
    if previous is not None and entry["circle"] != previous["circle"]:
        return "an entry of another circle"
    expected_prev = "" if previous is None else previous["hash"]
    if entry["prev"] != expected_prev:
        return "its prev is not the hash of the line before"
    content = {key: value for key, value in entry.items() if key != "hash"}
    if hashlib.sha256(canonical(content).encode("utf-8")).hexdigest() != entry["hash"]:
        return "its hash does not match its content (the entry was changed)"
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check a Kring log downloaded as JSON Lines.")
    parser.add_argument("file", help="the downloaded .jsonl file ('-' reads standard input)")
    parser.add_argument("--head", help="a hash noted down earlier: it must be one of the entries")
    args = parser.parse_args(argv)
    stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    previous, noted_at = None, None
    with stream:
        for number, raw in enumerate(stream, start=1):
            why = problem(raw, previous)
            if why:
                print(f"BROKEN at line {number}: {why}", file=sys.stderr)
                return 1
            previous = json.loads(raw)
            if args.head and previous["hash"] == args.head.strip().lower():
                noted_at = previous["seq"]
    if previous is None:
        print("BROKEN: the file holds no entries", file=sys.stderr)
        return 1
    if args.head and noted_at is None:
        print(f"BROKEN: the noted hash {args.head} is not in this log", file=sys.stderr)
        return 1
    noted = f"; the noted hash is entry {noted_at}" if noted_at else ""
    print(f"OK: {previous['seq']} entries of circle {previous['circle']} hold together; "
          f"latest hash {previous['hash']}{noted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
