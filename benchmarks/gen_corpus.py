#!/usr/bin/env python3
"""Generate a noisy crash-log archive for the benchmarks.

Reports come from two kinds of templates:
* real ones: every captured report of ../shared/oopses (x86_64, i386, armhf, arm64
  Debian kernels; the byte ranges in ground_truth.jsonl), used when that folder exists;
* synthetic kinds and architectures the real set lacks (KASAN, lockdep, RCU stall, hung
  task, soft lockup, kmemleak, UBSAN, panics, ppc64, s390x, riscv64 oopses).
Each copy gets fresh timestamps, pids, CPUs, addresses and function names (so buckets
vary), and the reports are separated by 2-15 noise lines (boot chatter from the real logs
plus synthetic daemon lines).  Files differ in their line prefixes: dmesg timestamps,
printk caller tags, or syslog/journal prefixes.

    python benchmarks/gen_corpus.py --reports 100000 --files 64 --out /tmp/corpus [--tar]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
OOPSES = os.path.join(HERE, "..", "..", "shared", "oopses")

SYNTHETIC = [
    # x86_64 KASAN
    """==================================================================
BUG: KASAN: slab-use-after-free in {f0}+0x{o1}/0x{s1} [{mod}]
Read of size 8 at addr ffff8880{a32} by task {comm}/{pid}

CPU: {cpu} PID: {pid} Comm: {comm} Not tainted 6.6.0-rc3 #1
Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Call Trace:
 <TASK>
 dump_stack_lvl+0x4c/0x70
 print_report+0xcf/0x620
 kasan_report+0xb5/0xe0
 {f0}+0x{o1}/0x{s1} [{mod}]
 {f1}+0x{o2}/0x{s2} [{mod}]
 {f2}+0x{o3}/0x{s3}
 do_syscall_64+0x3c/0x90
 entry_SYSCALL_64_after_hwframe+0x6e/0xd8
 </TASK>

Allocated by task {pid}:
 kasan_save_stack+0x22/0x50
 __kasan_kmalloc+0x7f/0x90
 {f1}+0x{o2}/0x{s2} [{mod}]

Freed by task {pid}:
 kasan_save_stack+0x22/0x50
 kfree+0x6e/0x120
 {f2}+0x{o3}/0x{s3}

The buggy address belongs to the object at ffff8880{a32}
==================================================================""",
    # lockdep
    """
======================================================
WARNING: possible circular locking dependency detected
6.6.0-rc3 #1 Not tainted
------------------------------------------------------
{comm}/{pid} is trying to acquire lock:
ffff8880{a32} (&{f0}_lock){{+.+.}}-{{3:3}}, at: {f0}+0x{o1}/0x{s1}

but task is already holding lock:
ffff8880{a32} (&{f1}_mutex){{+.+.}}-{{3:3}}, at: {f1}+0x{o2}/0x{s2}

which lock already depends on the new lock.

stack backtrace:
CPU: {cpu} PID: {pid} Comm: {comm} Not tainted 6.6.0-rc3 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x4c/0x70
 check_noncircular+0x12e/0x150
 __lock_acquire+0x15a2/0x2630
 lock_acquire+0xc8/0x2a0
 {f0}+0x{o1}/0x{s1}
 {f1}+0x{o2}/0x{s2}
 {f2}+0x{o3}/0x{s3}
 </TASK>""",
    # RCU stall
    """rcu: INFO: rcu_preempt self-detected stall on CPU
rcu: \t{cpu}-....: (2100 ticks this GP) idle=c04c/1/0x4000000000000000 softirq=1234/1234 fqs=1050
\t(t=2100 jiffies g=12345 q=321 ncpus=2)
CPU: {cpu} PID: {pid} Comm: {comm} Not tainted 6.6.0-rc3 #1
RIP: 0010:{f0}+0x{o1}/0x{s1}
Code: 48 89 df e8 00 00 00 00 48 8b 45 00 48 85 c0 75 ef 5b 5d c3 cc cc cc cc
RSP: 0018:ffffc900{a16} EFLAGS: 00000246
RAX: 0000000000000000 RBX: ffff8880{a32} RCX: 0000000000000001
Call Trace:
 <IRQ>
 rcu_sched_clock_irq+0x2ab/0xaf0
 update_process_times+0x62/0x90
 </IRQ>
 <TASK>
 {f0}+0x{o1}/0x{s1}
 {f1}+0x{o2}/0x{s2}
 {f2}+0x{o3}/0x{s3}
 </TASK>""",
    # hung task
    """INFO: task {comm}:{pid} blocked for more than 120 seconds.
      Not tainted 6.6.0-rc3 #1
"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
task:{comm}         state:D stack:0     pid:{pid} ppid:1      flags:0x00004000
Call Trace:
 <TASK>
 __schedule+0x3a5/0x1090
 schedule+0x5e/0xd0
 {f0}+0x{o1}/0x{s1}
 {f1}+0x{o2}/0x{s2}
 {f2}+0x{o3}/0x{s3}
 ret_from_fork+0x2c/0x50
 </TASK>""",
    # soft lockup
    """watchdog: BUG: soft lockup - CPU#{cpu} stuck for 22s! [{comm}:{pid}]
Modules linked in: {mod}(OE) nft_chain_nat xt_MASQUERADE nf_nat bridge stp llc
CPU: {cpu} PID: {pid} Comm: {comm} Tainted: G           OE      6.6.0-rc3 #1
RIP: 0010:{f0}+0x{o1}/0x{s1} [{mod}]
RSP: 0018:ffffc900{a16} EFLAGS: 00000202
Call Trace:
 <IRQ>
 ? watchdog_timer_fn+0x1b9/0x220
 </IRQ>
 <TASK>
 {f1}+0x{o2}/0x{s2} [{mod}]
 {f2}+0x{o3}/0x{s3}
 </TASK>""",
    # kmemleak
    """unreferenced object 0xffff8880{a32} (size 64):
  comm "{comm}", pid {pid}, jiffies 4294893110 (age 16.930s)
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace:
    [<ffffffff81{a16}>] kmalloc_trace+0x26/0x90
    [<ffffffff81{a16}>] {f0}+0x{o1}/0x{s1}
    [<ffffffff81{a16}>] {f1}+0x{o2}/0x{s2}
    [<ffffffff81{a16}>] do_syscall_64+0x3c/0x90""",
    # UBSAN
    """================================================================================
UBSAN: array-index-out-of-bounds in drivers/misc/{f0}.c:{line}:12
index 8 is out of range for type 'int [8]'
CPU: {cpu} PID: {pid} Comm: {comm} Not tainted 6.6.0-rc3 #1
Call Trace:
 <TASK>
 dump_stack_lvl+0x4c/0x70
 __ubsan_handle_out_of_bounds+0xa3/0xe0
 {f0}+0x{o1}/0x{s1}
 {f1}+0x{o2}/0x{s2}
 </TASK>
================================================================================""",
    # ppc64
    """BUG: Kernel NULL pointer dereference on read at 0x00000010
Faulting instruction address: 0xc0000000{a16}
Oops: Kernel access of bad area, sig: 11 [#1]
LE PAGE_SIZE=64K MMU=Radix SMP NR_CPUS=2048 NUMA pSeries
Modules linked in: {mod}
CPU: {cpu} PID: {pid} Comm: {comm} Not tainted 6.6.0-rc3 #1
NIP:  c0000000{a16} LR: c0000000{a16} CTR: 0000000000000000
REGS: c000000{a16}0 TRAP: 0300   Not tainted  (6.6.0-rc3)
MSR:  800000000280b033 <SF,VEC,VSX,EE,FP,ME,IR,DR,RI,LE>  CR: 44002222  XER: 20000000
NIP [c0000000{a16}] {f0}+0x{o1}/0x{s1}
LR [c0000000{a16}] {f1}+0x{o2}/0x{s2}
Call Trace:
[c000000{a16}0] [c0000000{a16}] {f1}+0x{o2}/0x{s2} (unreliable)
[c000000{a16}0] [c0000000{a16}] {f2}+0x{o3}/0x{s3}
[c000000{a16}0] [c0000000{a16}] system_call_exception+0x13c/0x340
---[ end trace 0000000000000000 ]---""",
    # s390x
    """Unable to handle kernel pointer dereference in virtual kernel address space
Failing address: 0000000000000000 TEID: 0000000000000483
Fault in home space mode while using kernel ASCE.
Oops: 0004 ilc:3 [#1] SMP
Modules linked in: {mod}
CPU: {cpu} PID: {pid} Comm: {comm} Not tainted 6.6.0-rc3 #1
Hardware name: IBM 3931 A01 704 (KVM/Linux)
Krnl PSW : 0704c00180000000 00000000{a16} ({f0}+0x{o1}/0x{s1})
Call Trace:
 [<00000000{a16}>] {f0}+0x{o1}/0x{s1}
 [<00000000{a16}>] {f1}+0x{o2}/0x{s2}
 [<00000000{a16}>] {f2}+0x{o3}/0x{s3}
Last Breaking-Event-Address:
 [<00000000{a16}>] {f1}+0x{o2}/0x{s2}
---[ end trace 0000000000000000 ]---""",
    # riscv64
    """Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000
Oops [#1]
Modules linked in: {mod}
CPU: {cpu} PID: {pid} Comm: {comm} Not tainted 6.6.0-rc3 #1
Hardware name: riscv-virtio,qemu (DT)
epc : {f0}+0x{o1}/0x{s1} [{mod}]
 ra : {f1}+0x{o2}/0x{s2} [{mod}]
epc : ffffffff0{a16} ra : ffffffff0{a16} sp : ff20000{a16}
 gp : ffffffff8{a16} tp : ff60000{a16} t0 : 0000000000000000
status: 0000000200000120 badaddr: 0000000000000000 cause: 000000000000000d
[<ffffffff0{a16}>] {f0}+0x{o1}/0x{s1} [{mod}]
[<ffffffff0{a16}>] {f1}+0x{o2}/0x{s2} [{mod}]
[<ffffffff8{a16}>] {f2}+0x{o3}/0x{s3}
---[ end trace 0000000000000000 ]---""",
]

NOISE = [
    "systemd[1]: Started Session {pid} of User root.",
    "audit: type=1400 audit({ts}:{pid}): apparmor=\"STATUS\" operation=\"profile_load\" name=\"/usr/bin/man\"",
    "EXT4-fs (vda1): re-mounted. Opts: errors=remount-ro. Quota mode: none.",
    "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "usb 1-1: new high-speed USB device number {cpu} using xhci_hcd",
    "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
    "random: crng init done",
    "nvme nvme0: 4/0/0 default/read/poll queues",
    "{comm}[{pid}]: segfault at 0 ip 00005555{a16} sp 00007ffe{a16} error 4 in {comm}[555555554000+1000]",
]
WORDS = ("sock tcp udp ext4 btrfs xfs nfs usb hid drm i915 amdgpu mlx5 nvme blk mq io_uring bpf perf sched mm slab "
         "vma page inode dentry file pipe tty serial net dev skb rx tx queue work timer irq hrtimer rcu").split()
VERBS = "alloc free get put read write open close release init exit submit complete handle process flush sync map".split()
COMMS = ["syz-executor", "kworker/0:1", "systemd", "sshd", "python3", "dd", "cat", "sh", "modprobe", "ksoftirqd/1"]
FUNC_RE = re.compile(r"\bcl_[a-z_0-9]+")
TS_RE = re.compile(r"^\[ *[0-9]+\.[0-9]+\] ")


def real_templates() -> tuple[list[str], list[str]]:
    """(report texts without line prefixes, noise lines) from ../shared/oopses."""
    reports, noise = [], []
    if not os.path.isdir(OOPSES):
        return reports, noise
    for d in sorted(os.listdir(OOPSES)):
        truth = os.path.join(OOPSES, d, "ground_truth.jsonl")
        if not os.path.exists(truth):
            continue
        logs: dict[str, bytes] = {}
        ranges: dict[str, list[tuple[int, int]]] = {}
        with open(truth, encoding="utf-8") as f:
            for step in map(json.loads, f):
                if step["status"] != "captured":
                    continue
                if step["log"] not in logs:
                    with open(os.path.join(OOPSES, d, step["log"]), "rb") as lf:
                        logs[step["log"]] = lf.read()
                text = logs[step["log"]][step["byte_start"]:step["byte_end"]].decode("utf-8", "replace")
                reports.append("\n".join(TS_RE.sub("", ln) for ln in text.splitlines() if TS_RE.match(ln)))
                ranges.setdefault(step["log"], []).append((step["byte_start"], step["byte_end"]))
        for name, data in logs.items():
            head = data[: min(s for s, _ in ranges[name])].decode("utf-8", "replace")
            noise.extend(TS_RE.sub("", ln) for ln in head.splitlines() if TS_RE.match(ln) and len(ln) < 200)
    return reports, noise


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.real, real_noise = real_templates()
        self.noise = NOISE + real_noise
        self.t = 1.0

    def name(self) -> str:
        r = self.rng
        return f"{r.choice(WORDS)}_{r.choice(VERBS)}" + (f"_{r.choice(WORDS)}" if r.random() < 0.5 else "")

    def fill(self, s: str) -> str:
        r = self.rng
        return s.format(**{f"f{i}": self.name() for i in range(3)}, **{f"o{i}": f"{r.randrange(1, 0x200):x}" for i in range(1, 4)},
                        **{f"s{i}": f"{r.randrange(0x200, 0x800):x}" for i in range(1, 4)},
                        a32=f"{r.getrandbits(32):08x}", a16=f"{r.getrandbits(24):06x}", mod=r.choice(WORDS) + "_drv",
                        comm=r.choice(COMMS), pid=r.randrange(1, 32768), cpu=r.randrange(0, 8), line=r.randrange(10, 900),
                        ts=r.randrange(10**9, 2 * 10**9))

    def report(self) -> list[str]:
        r = self.rng
        if self.real and r.random() < 0.6:
            text = self.real[r.randrange(len(self.real))]
            names: dict[str, str] = {}
            text = FUNC_RE.sub(lambda m: names.setdefault(m.group(0), "cl_" + self.name()), text)
        else:
            text = self.fill(r.choice(SYNTHETIC))
        return text.splitlines()

    def log(self, n_reports: int, style: str) -> str:
        r = self.rng
        out: list[str] = []
        tag = f"T{r.randrange(1, 9999)}"

        def emit(line: str, caller: str) -> None:
            self.t += r.random() * 0.01
            ts = f"[{self.t:12.6f}]"
            if style == "tags":
                out.append(f"{ts}[{caller:>6}] {line}")
            elif style == "syslog":
                out.append(f"Nov 25 01:{int(self.t) // 60 % 60:02d}:{int(self.t) % 60:02d} host{tag[1:]} kernel: {ts} {line}")
            else:
                out.append(f"{ts} {line}")

        for _ in range(n_reports):
            for _ in range(r.randrange(2, 16)):
                emit(self.fill(r.choice(self.noise).replace("{", "{{").replace("}", "}}")) if r.random() < 0.7 else self.fill(r.choice(NOISE)), f"T{r.randrange(1, 999)}")
            caller = f"T{r.randrange(1, 9999)}"
            for line in self.report():
                emit(line, caller)
        return "\n".join(out) + "\n"


def generate(out: str, reports: int, files: int, seed: int = 1, tar: bool = False) -> list[str]:
    """Write `files` logs with `reports` reports in all; returns their paths (or the tar's)."""
    g = Generator(seed)
    os.makedirs(out, exist_ok=True)
    styles = ("dmesg", "tags", "syslog")
    per = [reports // files + (1 if i < reports % files else 0) for i in range(files)]
    paths = []
    for i, n in enumerate(per):
        path = os.path.join(out, f"host{i:03d}-console.log")
        with open(path, "w", encoding="utf-8") as f:
            f.write(g.log(n, styles[i % len(styles)]))
        paths.append(path)
    if tar:
        import zstandard

        tpath = os.path.join(out, "archive.tar.zst")
        with open(tpath, "wb") as raw, zstandard.ZstdCompressor(level=3).stream_writer(raw) as z, tarfile.open(fileobj=z, mode="w|") as t:
            for p in paths:
                t.add(p, arcname=os.path.basename(p))
        paths = [tpath]
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tar", action="store_true", help="also pack the logs into archive.tar.zst")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    for p in generate(a.out, a.reports, a.files, a.seed, a.tar):
        print(p)


if __name__ == "__main__":
    main()
