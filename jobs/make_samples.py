#!/usr/bin/env python3
"""Rebuild samples/ (the bundled demo archive) from the real qemu console logs in
../shared/oopses (generated for this project; copying them is allowed).

Each log goes into a different container so the demo exercises every ingest path:
a .tar.zst (with a nested .gz member), .gz, .bz2, .xz, .zst, a plain log, an mbox of
two LKML-style mails with an oops pasted inline (quoted-printable and base64 bodies),
and one truncated .gz that shows up in the errors table.  Output is deterministic
(fixed mtimes, no gzip timestamps), so rerunning it yields identical bytes.

    python jobs/make_samples.py [--oopses ../shared/oopses] [--out samples]
"""
from __future__ import annotations

import argparse
import bz2
import email.policy
import gzip
import io
import json
import lzma
import os
import tarfile
from email.message import EmailMessage

import zstandard

MTIME = 1764028800  # 2025-11-25 00:00:00 UTC: fixed, so the archives are reproducible


def read(oopses: str, arch: str, log: str) -> bytes:
    with open(os.path.join(oopses, f"qemu-{arch}", log), "rb") as f:
        return f.read()


def gz(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def tar(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), MTIME, 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def first_step(oopses: str, arch: str, log: str, kind: str) -> dict:
    """The first captured ground-truth step of `kind` in `log` (its byte range)."""
    with open(os.path.join(oopses, f"qemu-{arch}", "ground_truth.jsonl"), encoding="utf-8") as f:
        for line in f:
            step = json.loads(line)
            if step["status"] == "captured" and step["log"] == log and step["kind"] == kind:
                return step
    raise SystemExit(f"no captured {kind} step in qemu-{arch}/{log}")


def mail(oopses: str, arch: str, kind: str, cte: str, n: int) -> bytes:
    step = first_step(oopses, arch, "console-kaslr.log", kind)
    oops = read(oopses, arch, "console-kaslr.log")[step["byte_start"]:step["byte_end"]].decode()
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"Tester {n} <tester{n}@example.org>"
    msg["To"] = "linux-kernel@vger.kernel.org"
    msg["Subject"] = f"[BUG] {arch}: {step['kernel_printed'].get('title') or kind} (crashlab, {step['kernel_release']})"
    msg["Date"] = f"Tue, 25 Nov 2025 0{n}:00:00 +0000"
    msg["Message-ID"] = f"<sample-{arch}-{kind}@example.org>"
    body = (f"Hi,\n\nbooting {step['kernel_release']} under qemu and running the crashlab module, "
            f"step {step['step']} ({kind}) gives this:\n\n{oops}\n"
            "Full console log available on request.\n\nThanks,\nTester\n")
    msg.set_content(body, cte=cte)
    return f"From tester{n}@example.org Tue Nov 25 0{n}:00:00 2025\n".encode() + msg.as_bytes().replace(b"\r\n", b"\n") + b"\n"


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--oopses", default=os.path.join(here, "..", "..", "shared", "oopses"))
    ap.add_argument("--out", default=os.path.join(here, "..", "samples"))
    a = ap.parse_args()
    o = a.oopses
    files = {
        "x86_64-consoles.tar.zst": zstandard.ZstdCompressor(level=19).compress(tar([
            ("qemu-x86_64/console-raw.log", read(o, "x86_64", "console-raw.log")),
            ("qemu-x86_64/console-kaslr.log.gz", gz(read(o, "x86_64", "console-kaslr.log"))),
        ])),
        "i386-console-raw.log.gz": gz(read(o, "i386", "console-raw.log")),
        "i386-console-kaslr.log.bz2": bz2.compress(read(o, "i386", "console-kaslr.log")),
        "armhf-console-raw.log.xz": lzma.compress(read(o, "armhf", "console-raw.log")),
        "armhf-console-kaslr.log.zst": zstandard.ZstdCompressor(level=19).compress(read(o, "armhf", "console-kaslr.log")),
        "arm64-console-raw.log": read(o, "arm64", "console-raw.log"),
        "lkml.mbox": mail(o, "arm64", "bug", "quoted-printable", 1) + mail(o, "armhf", "uaf", "base64", 2),
        # Cut short like a copy interrupted mid-transfer: the errors table shows it, and
        # the reports printed before the cut are still found.
        "broken/arm64-console-kaslr.log.gz": gz(read(o, "arm64", "console-kaslr.log"))[:9000],
    }
    for name, data in files.items():
        path = os.path.join(a.out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        print(f"{len(data):9d}  {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
