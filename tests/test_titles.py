"""Titles in syzkaller's vocabulary: golden over syzkaller's own corpus (read in place),
synthetic noisy logs, and properties (never raises; a report's own lines alone give the
same title)."""
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import noisy_logs as L
from crashpipe.lines import clean_lines
from crashpipe.split import split_reports
from crashpipe.titles import sanitize, title_for

CORPUS = "/work/shared/corpus/syzkaller-linux"


def first_title(text):
    lines = clean_lines(text)
    spans = split_reports(lines)
    return title_for(spans[0], lines) if spans else None


@pytest.mark.parametrize("log,title,alts,kind", [
    (L.KASAN_TAGGED, "KASAN: use-after-free Read in icmp_send", ["bad-access in icmp_send"], "kasan"),
    (L.WARN_PANIC_ON_WARN, "WARNING in dev_close_many", [], "warning"),
    (L.TWO_OOPSES, "BUG: unable to handle kernel NULL pointer dereference in cl_null_call",
     ["bad-access in cl_null_call"], "null-deref"),
    (L.SYSLOG_OOPS, "BUG: unable to handle kernel paging request in ext4_readdir",
     ["bad-access in ext4_readdir"], "paging"),
    (L.HUNG_TASK, "INFO: task hung in rtnl_lock", ["hang in rtnl_lock"], "hung_task"),
    (L.RCU_STALL, "INFO: rcu detected stall in ip_set_ad", ["stall in ip_set_ad"], "rcu_stall"),
    (L.LOCKDEP, "possible deadlock in tun_device_event", [], "lockdep"),
    (L.HARD_LOCKUP, "BUG: hard lockup in mydrv_poll", ["stall in mydrv_poll"], "hard_lockup"),
])
def test_synthetic_titles(log, title, alts, kind):
    ti = first_title(log)
    assert ti is not None
    assert (ti.title, sorted(ti.alt_titles), ti.kind) == (title, sorted(alts), kind)
    assert not ti.corrupted, ti.corrupted_reason


def test_every_report_of_a_log_is_titled():
    lines = clean_lines(L.TWO_OOPSES + L.INTERLEAVED)
    titles = [title_for(s, lines).title for s in split_reports(lines)]
    assert titles == [
        "BUG: unable to handle kernel NULL pointer dereference in cl_null_call",
        "general protection fault in cl_wild_read",
        "WARNING in iput_bad",
        "BUG: sleeping function called from invalid context in tun_chr_ioctl",
    ]


def test_questionable_frames_are_skipped():
    # An unreliable "? rtnl_lock" frame must not name the hang.
    ti = first_title(L.HUNG_TASK.replace("]  rtnl_lock+", "]  ? rtnl_lock+"))
    assert ti.title == "INFO: task hung in addrconf_dad_work"


def test_truncated_report_is_corrupted():
    head = "\n".join(L.WARN_PANIC_ON_WARN.splitlines()[:3]) + "\n"
    ti = first_title(head)
    assert ti.title == "WARNING in corrupted" and ti.corrupted
    assert ti.corrupted_reason == "extracted no frames"


def test_interleaved_timestamp_in_header_is_corrupted():
    ti = first_title("[  1.0] BUG: spinlock bad magic [  1.1] on CPU#0\n[  1.2] Call Trace:\n"
                     "[  1.3]  tcp_nuke_addr+0x1/0x2\n[  1.4]  a+0x1/0x2\n[  1.5]  b+0x1/0x2\n")
    assert ti.title == "BUG: spinlock bad magic in tcp_nuke_addr"


def test_sanitize_replaces_dynamic_parts():
    assert sanitize("KASAN: use-after-free in foo.part.12 at addr ffff88801234abcd") == \
        "KASAN: use-after-free in foo.part.NUM at addr ADDR"
    assert sanitize("WARNING in f, CPU#3: syz-executor.4/1234") == "WARNING in f, CPU: syz-executor"
    assert len(sanitize("x" * 500)) == 120


def _corpus_cases():
    if not os.path.isdir(CORPUS):
        return []
    out = []
    for name in sorted(os.listdir(CORPUS)):
        if not name.isdigit():
            continue
        with open(os.path.join(CORPUS, name), "rb") as f:
            data = f.read().decode("utf-8", "replace").replace("\r", "")
        # The header ends at the first empty line; a file may start with it (no header).
        head, _, log = ("", "", data[1:]) if data.startswith("\n") else data.partition("\n\n")
        hdr, alts = {}, []
        for ln in head.split("\n"):
            if ln.startswith("#") or ":" not in ln:
                continue
            k, _, v = ln.partition(":")
            if k == "ALT":
                alts.append(v.strip())
            else:
                hdr[k] = v.strip()
        cut = log.find("\nREPORT:\n")
        if cut >= 0:
            log = log[:cut + 1]
        out.append((name, hdr.get("TITLE", ""), sorted(alts), hdr.get("CORRUPTED") == "Y", log))
    return out


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="syzkaller corpus not present")
def test_syzkaller_corpus_golden():
    cases = _corpus_cases()
    titled = [c for c in cases if c[1]]
    exact = alt_eq = corrupted_eq = 0
    misses = []
    for name, title, alts, corrupted, log in cases:
        ti = first_title(log)
        if not title:
            assert ti is None, f"{name}: no report expected, got {ti.title!r}"
            continue
        assert ti is not None, f"{name}: no report found"
        if ti.title == title:
            exact += 1
        else:
            misses.append((name, ti.title, title))
        alt_eq += sorted(ti.alt_titles) == alts
        corrupted_eq += ti.corrupted == corrupted
    n = len(titled)
    assert exact >= 0.97 * n, misses
    assert alt_eq >= 0.95 * n
    assert corrupted_eq >= 0.95 * n


def _report_texts():
    return st.sampled_from([L.KASAN_TAGGED, L.WARN_PANIC_ON_WARN, L.TWO_OOPSES, L.INTERLEAVED, L.SYSLOG_OOPS,
                            L.HUNG_TASK, L.RCU_STALL, L.LOCKDEP, L.NO_REPORT])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_report_texts(), st.text(max_size=200)), max_size=6), st.integers(0, 2**32))
def test_never_raises_and_retitle_is_stable(chunks, seed):
    text = "\n".join(chunks)
    lines = clean_lines(text)
    spans = split_reports(lines)
    for sp in spans:
        ti = title_for(sp, lines)
        assert ti.corrupted_reason is None or not ti.corrupted_reason.startswith("title-error"), \
            ti.corrupted_reason
        # The report's own lines, alone, give the same title.
        alone = clean_lines("\n".join(ln.text if ln.ts is None else f"[{ln.ts:12.6f}]"
                                      + (f"[{ln.tag:>6}]" if ln.tag else "") + " " + ln.text
                                      for ln in sp.lines))
        again = split_reports(alone)
        assert again, "the report's lines alone hold no report"
        assert title_for(again[0], alone).title == ti.title


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("BUG:WARNING INFO[]0123456789.\n Tx?+/abcf_ ")), max_size=400))
def test_random_header_soup_never_raises(text):
    lines = clean_lines(text)
    for sp in split_reports(lines):
        ti = title_for(sp, lines)
        assert ti.title is None or len(ti.title) <= 120


@pytest.mark.parametrize("mangled,name", [
    ("_Z8fakeNameiii", "fakeName"),
    ("_ZN3foo3barEv", "foo::bar"),
    ("_RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref",
     "<rust_binder::process::Process>::update_ref"),
    ("_RNvNtNtCs9jEwPDbx20M_4core9panicking11panic_const24panic_const_sub_overflow",
     "core::panicking::panic_const::panic_const_sub_overflow"),
    ("_RNvMNtNtCs43vyB533jt3_6kernel5alloc9allocatorNtB2_11ReallocFunc4call",
     "<kernel::alloc::allocator::ReallocFunc>::call"),
    ("cl_trigger", "cl_trigger"),
    ("_RB_B_B_B_", "_RB_B_B_B_"),  # self-referencing back-references stay as they are
    ("_Z99x", "_Z99x"),
])
def test_demangle(mangled, name):
    from crashpipe.demangle import demangle
    assert demangle(mangled) == name


def test_rust_panic_title():
    log = """\
[   23.717039][  T298] rust_kernel: panicked at drivers/android/binder/node.rs:877:13:
[   23.717039][  T298] attempt to subtract with overflow
[   23.732166][   T36] audit: type=1400 audit(1750305980.320:67): avc:  denied  { mount }
[   23.745283][  T298] ------------[ cut here ]------------
[   23.771620][  T298] kernel BUG at rust/helpers/bug.c:7!
[   23.772028][  T298] Oops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN PTI
[   23.829979][  T298] RIP: 0010:rust_helper_BUG+0x8/0x10
[   24.057562][  T298] Call Trace:
[   24.060834][  T298]  <TASK>
[   24.063751][  T298]  _RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind+0x15b/0x160
[   24.128451][  T298]  _RNvNtCs9jEwPDbx20M_4core9panicking9panic_fmt+0x84/0x90
[   24.163987][  T298]  _RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref+0x17e5/0x1860
[   24.204041][  T298]  _RNvMs2_NtCshgDM7dBCdno_11rust_binder6threadNtB5_6Thread10write_read+0x27cf/0x96a0
"""
    lines = clean_lines(log)
    spans = split_reports(lines)
    assert len(spans) == 1  # the BUG() that ends the panic is part of it
    ti = title_for(spans[0], lines)
    assert ti.title == "attempt to subtract with overflow in <rust_binder::process::Process>::update_ref"
    assert ti.kind == "rust_panic" and not ti.corrupted


def test_every_format_kind_is_documented():
    from crashpipe.formats.kinds import KINDS
    from crashpipe.formats.oopses import OOPSES
    assert {f.kind for o in OOPSES for f in o.formats} <= set(KINDS)


@pytest.mark.parametrize("pattern,prefix", [
    (r"BUG: KASAN: ([a-z\-]+) in", "BUG: KASAN: "),
    (r"a|b", ""),
    (r"(a|b)c", ""),
    (r"x[|(]y|z", ""),  # the class hides nothing: the top-level "|" still counts
    (r"trusty: panic \(.*?\):", "trusty: panic ("),
    (r"ab*c", "a"),
    (r"abc+", "abc"),
    (r"x\ny", "x"),
])
def test_required_prefix(pattern, prefix):
    from crashpipe.titles import required_prefix
    assert required_prefix(pattern) == prefix


def test_s390_program_checks():
    lines = clean_lines(L.S390_FAULT)
    spans = split_reports(lines)
    assert [s.header_line for s in spans] == [1, 17]  # "Oops: 0004 ilc:3" continues the first
    t = [title_for(s, lines) for s in spans]
    assert [(x.title, x.kind) for x in t] == [
        ("BUG: unable to handle kernel paging request in test_init", "paging"),
        ("Low-address protection in lowcore_poke", "oops"),
    ]


def test_kmemleak_records_without_syzkaller_header():
    lines = clean_lines(L.KMEMLEAK)
    spans = split_reports(lines)
    assert [s.header_line for s in spans] == [1, 9]
    assert [title_for(s, lines).title for s in spans] == ["memory leak in foo_create", "memory leak in bar_init"]


def test_sanitize_counts_bytes_and_keeps_ascii():
    # 118 ASCII characters, then a 3-byte character, then more: the cap falls inside.
    t = sanitize("a" * 118 + "\u20ac" + "bcd")
    assert t == "a" * 118
    assert sanitize("INFO: task \ufffd\ufffd blocked\ttwice") == "INFO: task blocked twice"


def _texts_for_title_sets():
    texts = [log for *_, log in _corpus_cases()]
    texts += [v for k, v in vars(L).items() if k.isupper() and isinstance(v, str)]
    return texts


def test_title_set_answers_equal_one_search_per_format():
    """titles._title_hits (one RE2::Set pass) names exactly the formats whose title
    pattern _search finds, on every report text the corpora and synthetic logs give."""
    import crashpipe.titles as T
    from crashpipe.formats import oopses as F

    texts = _texts_for_title_sets()
    checked = left = 0
    for log in texts:
        lines = clean_lines(log)
        for span in split_reports(lines):
            start = next(i for i, ln in enumerate(lines) if ln.no == (span.header_line or span.start_line))
            oops = F.OOPSES[span.oops] if span.oops >= 0 else None
            if oops is None:
                continue
            text, _, _ = T.report_text(lines, start)
            text = text.encode("utf-8", "replace")
            T._LAST_HITS[:] = [None, None, None]
            hits = T._title_hits(oops, text)
            brute = {k for k, f in enumerate(oops.formats) if T._search(f.title, text) is not None}
            assert hits is None or hits == brute, (oops.header, hits, brute)
            checked += hits is not None
            if T._LAST_HITS[1] is text:  # the stack-start answer the same pass left
                brute = {k for k, (rx, _) in enumerate(T._STACK_START_KEYED) if rx.search(text) is not None}
                assert T._LAST_HITS[0] is T._STACK_START_SET and T._LAST_HITS[2] == (brute or None)
                left += 1
            _, full, _ = T.report_text(lines, start)
            full = full.encode("utf-8", "replace")
            starts = T._set_hits(T._STACK_START_SET, full)
            brute = {k for k, (rx, _) in enumerate(T._STACK_START_KEYED) if rx.search(full) is not None}
            assert starts == (brute or None), (starts, brute)
    # without a matching format the set says None; with the corpus there are many answers
    if os.path.isdir(CORPUS):
        assert checked > 200 and left > 200
    # a text no title pattern matches: None, and the caller searches every format
    oops = next(o for o in F.OOPSES if len(o.formats) > 2)
    assert T._title_hits(oops, b"nothing to see here\n") is None


def test_sanitize_shortcut_equals_every_rule():
    """_sanitize's shortcut (no digit and no six hex letters in a row: no rule applies)
    gives what trying every rule gives; the rules still need what it assumes."""
    import crashpipe.titles as T
    from crashpipe.formats import titles as FT

    for pattern, _, _, needs_digit in FT.REPLACEMENTS:
        assert needs_digit or pattern == r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}", pattern
    titles = ["WARNING in cl_udp_free_tx", "KASAN: use-after-free in foo.part.12", "x facade y", "x fac4de y",
              "in deadbe", "in deadb", " lead", "tail ", "a  b", "a\tb", "caf\u00e9 0x1", "\x01ctl", "x" * 130,
              "a" * 118 + "\u20ac" + "bcd", "", " ", "in abcdef_g", "in _abcdef", "CPU#3 stuck", "\u0663 arabic digit"]
    for log in [v for k, v in vars(L).items() if k.isupper() and isinstance(v, str)]:
        for ln in clean_lines(log):
            titles.append(ln.text)
    for t in titles:
        assert T._sanitize(t) == T._sanitize_rules(t), t


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefgx019 _.:/#\t\u00e9\x7f", max_size=40))
def test_sanitize_shortcut_random(t):
    import crashpipe.titles as T
    assert T._sanitize(t) == T._sanitize_rules(t)


@pytest.mark.parametrize("pattern,lits", [
    ("abc", (b"abc",)), ("(?:Call (?:T|t)race:)|(?:Backtrace:)", (b"Backtrace:", b"Call ")),
    ("a|b", ()), ("(?i)abc", ()), ("(?i:abc)d", ()), ("x(?:abc)?y", ()), ("x(?:abc)+y", (b"abc",)),
    ("(?:IP|NIP|pc ): ", (b": ",)), ("(?:IP|NIP|pcx)y", (b"IP", b"pcx")), ("caf\u00e9s", (b"caf",)),
    ("\\Qabc\\E", ()), ("[ab]cd{2}", ()), ("ab(?P<n>cde)", (b"cde",)), ("a.*bcd", (b"bcd",)),
])
def test_required_literals(pattern, lits):
    import crashpipe.titles as T
    assert T.required_literals(pattern) == lits


@pytest.mark.parametrize("pattern,want", [
    ("a(b)c", "a(?:b)c"), ("(?:a)(?P<n>b)(?<m>c)", "(?:a)(?:b)(?:c)"), (r"\(x\)(y)", r"\(x\)(?:y)"),
    ("[(]x(y)", "[(]x(?:y)"), ("[]()]x(y)", "[]()]x(?:y)"), ("[^]()](y)", "[^]()](?:y)"),
    (r"[\]()](y)", r"[\]()](?:y)"), ("[[:alpha:]](x)", "[[:alpha:]](x)"), (r"\Q(\E(b)", r"\Q(\E(b)"),
    ("atomic(64)?_(dec|inc)", "atomic(?:64)?_(?:dec|inc)"),
])
def test_no_captures(pattern, want):
    import re2

    import crashpipe.titles as T
    got = T._no_captures(pattern)
    assert got == want
    if got != pattern:
        assert re2.compile(got).groups == 0
