"""Checks that the SDK bundle the agent serves is byte for byte the npm package's.

    python3 agent/verify_sdk.py                      # agent/vendor/meetings.min.js against agent/sdk-pin.json
    python3 agent/verify_sdk.py --tarball webex-3.12.0.tgz   # and the tarball against npm's integrity

The pin records npm's own `dist.integrity` (sha512 of the tarball) and the sha256 of
package/umd/meetings.min.js inside it. Standard library only: the Makefile runs it with any python3.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PIN = HERE / "sdk-pin.json"
BUNDLE = HERE / "vendor" / "meetings.min.js"


def pin() -> dict:
    return json.loads(PIN.read_text())


def tarball_integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def verify_tarball(path: Path, expected: dict) -> bytes:
    """The tarball's sha512 is npm's integrity; returns the bundle member's bytes."""
    data = path.read_bytes()
    if tarball_integrity(data) != expected["integrity"]:
        raise SystemExit(f"{path}: integrity {tarball_integrity(data)} is not npm's {expected['integrity']}")
    with tarfile.open(path, "r:gz") as archive:
        member = archive.extractfile(expected["member"])
        if member is None:
            raise SystemExit(f"{path}: no {expected['member']}")
        content = member.read()
    if hashlib.sha256(content).hexdigest() != expected["sha256"]:
        raise SystemExit(f"{path}: {expected['member']} sha256 differs from the pin")
    return content


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path)
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    args = parser.parse_args(argv)
    expected = pin()
    if args.tarball:
        verify_tarball(args.tarball, expected)
    digest = hashlib.sha256(args.bundle.read_bytes()).hexdigest()
    if digest != expected["sha256"]:
        raise SystemExit(f"{args.bundle}: sha256 {digest} is not {expected['package']}@{expected['version']}'s "
                         f"{expected['member']} ({expected['sha256']})")
    print(f"{args.bundle}: {expected['package']}@{expected['version']} {expected['member']}, unmodified")


if __name__ == "__main__":
    sys.exit(main())
