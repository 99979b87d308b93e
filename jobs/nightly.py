#!/usr/bin/env python3
"""The nightly job: run `crashpipe run` over the archives named in a TOML config.

Cron:     15 2 * * *  /opt/crashpipe/.venv/bin/python /opt/crashpipe/jobs/nightly.py /etc/crashpipe/nightly.toml
systemd:  jobs/crashpipe-nightly.service + jobs/crashpipe-nightly.timer

It expands the configured globs, runs crashpipe in this virtualenv with the run date
of today (UTC), appends crashpipe's stderr to the configured log file and exits with
crashpipe's status: 0 also when some inputs were bad (they are in the errors table),
non-zero when the run itself failed, which is what cron mails and systemd marks failed.
A run killed half-way (reboot, OOM) is simply run again: committed work is skipped,
uncommitted work is redone, nothing is duplicated.
"""
from __future__ import annotations

import datetime as dt
import glob
import os
import subprocess
import sys
import tomllib


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: nightly.py CONFIG.toml", file=sys.stderr)
        return 2
    cfg_path = os.path.abspath(argv[0])
    with open(cfg_path, "rb") as f:
        cfg = tomllib.load(f)
    here = os.path.dirname(cfg_path)

    def path(p: str) -> str:
        return os.path.normpath(os.path.join(here, os.path.expanduser(p)))

    sources: list[str] = []
    for pattern in cfg["sources"]:
        p = path(pattern)
        matches = sorted(glob.glob(p, recursive=True)) if glob.has_magic(p) else [p]
        sources.extend(matches)
    if not sources:
        print(f"nightly: no source matches {cfg['sources']}", file=sys.stderr)
        return 1
    crashpipe = os.path.join(os.path.dirname(sys.executable), "crashpipe")
    cmd = [crashpipe if os.path.exists(crashpipe) else "crashpipe", "run", *sources, "--out", path(cfg["out"]),
           "--run-date", dt.datetime.now(dt.timezone.utc).date().isoformat()]
    if cfg.get("symbols"):
        cmd += ["--symbols", path(cfg["symbols"])]
    if int(cfg.get("workers", 0)) > 0:
        cmd += ["--workers", str(int(cfg["workers"]))]
    if cfg.get("max_source_bytes"):
        cmd += ["--max-source-bytes", str(int(cfg["max_source_bytes"]))]
    if cfg.get("executor", "local") == "dask":
        cmd += ["--executor", "dask", "--scheduler", cfg["scheduler"]]
    log_path = path(cfg["log"]) if cfg.get("log") else None
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    if log_path is None:
        return subprocess.call(cmd)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"--- {stamp} {' '.join(cmd)}\n")
        log.flush()
        rc = subprocess.call(cmd, stdout=log, stderr=log)
        log.write(f"--- exit {rc}\n")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
