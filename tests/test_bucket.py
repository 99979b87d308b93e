"""Signatures, bucket ids, skip reasons and families (crashpipe.bucket)."""
from __future__ import annotations

import random

import pytest

from crashpipe.bucket import assign_bucket_ids, signatures_for
from crashpipe.bucket.family import Families, family_key, similarity
from crashpipe.bucket.signature import frame_name, is_generic, kind_token
from crashpipe.model import Frame, Report


def F(sym, mod=None, method="trace", reliable=True, context="task", inlined=False, address=None, offset=None):
    return Frame(symbol=sym, module=mod, method=method, reliable=reliable, context=context, inlined=inlined,
                 address=address, offset=offset)


def R(frames, arch="x86_64", kind="warning", title="WARNING in x", release="6.1.0", source="log", line=1):
    for k, f in enumerate(frames):
        f.frame_no = k  # the pipeline numbers frames in list order
    return Report(source=source, source_line=line, text=f"{source}:{line}:{len(frames)}", arch=arch, kind=kind,
                  title=title, kernel_release=release, frames=frames)


def sig(report):
    s = signatures_for([report])
    return s.signature[s.bucket_id[0]]


# -- normalization table -------------------------------------------------------------------
@pytest.mark.parametrize("raw,norm", [
    ("foo.isra.0", "foo"),
    ("foo.constprop.0", "foo"),
    ("foo.constprop.0.isra.0", "foo"),
    ("foo.cold", "foo"),
    ("__list_del_entry_valid.cold", "__list_del_entry_valid"),
    ("foo.part.0", "foo"),
    ("foo.llvm.1234567890", "foo"),
    ("__x64_sys_write", "sys_write"),
    ("__ia32_sys_write", "sys_write"),
    ("__arm64_sys_write", "sys_write"),
    ("__se_sys_write", "sys_write"),
    ("__do_sys_write", "sys_write"),
    ("__x64_sys_ioctl.cold", "sys_ioctl"),
    ("__ia32_compat_sys_ioctl", "compat_sys_ioctl"),
    ("__do_compat_sys_ioctl", "compat_sys_ioctl"),
    ("ksys_write", "ksys_write"),
    ("vfs_write", "vfs_write"),
])
def test_frame_name(raw, norm):
    assert frame_name(raw) == norm


@pytest.mark.parametrize("name,generic", [
    ("dump_stack_lvl", True), ("__warn", True), ("report_bug", True), ("kasan_report", True),
    ("__asan_load8", True), ("lock_acquire", True), ("entry_SYSCALL_64_after_hwframe", True),
    ("asm_exc_page_fault", True), ("do_syscall_64", True), ("printk", True), ("__die", True),
    ("vfs_write", False), ("cl_trigger", False), ("kthread", False),
])
def test_generic_table(name, generic):
    assert is_generic(name) is generic


def test_kind_token_classes():
    # x86's #GP and arm64's paging request are one class (syzkaller's "bad-access" ALT).
    assert kind_token("gpf", "general protection fault in f", True) == kind_token("paging", "BUG: x in f", True)
    # KASAN bug classes stay apart; numbers in titles never matter.
    assert kind_token("kasan", "KASAN: use-after-free Read in f", True) != \
        kind_token("kasan", "KASAN: slab-out-of-bounds Read in f", True)
    assert kind_token("hung_task", "INFO: task hung in f for 143 seconds", True) == \
        kind_token("hung_task", "INFO: task hung in f for 120 seconds", True)
    # Frame-less reports fall back to the title.
    assert kind_token("kcsan", "KCSAN: data-race in a / b", False) != kind_token("kcsan", "KCSAN: data-race in c / d", False)


# -- signatures ----------------------------------------------------------------------------
TRACE = ["cl_trigger", "cl_dev_queue_req", "cl_dev_submit", "cl_ioctl", "cl_dispatch", "crashlab_write"]


def x86_null(release="6.1.0-56-amd64", offsets=0):
    # As the parser lists them: the RIP frame first, then the printed trace.
    frames = [F("cl_null_deref", "crashlab", method="regs")]
    frames += [F(s, "crashlab", offset=0x10 + offsets, address=0xffffffffc0000000 + offsets) for s in TRACE]
    frames += [F("proc_reg_write"), F("vfs_write"), F("? do_fault", reliable=False), F("ksys_write"),
               F("do_syscall_64"), F("entry_SYSCALL_64_after_hwframe")]
    return R(frames, kind="null-deref", title="BUG: unable to handle kernel NULL pointer dereference in cl_null_deref",
             release=release)


def test_signature_shape_and_skip_reasons():
    r = x86_null()
    assign_bucket_ids([r])
    s = sig(r)
    assert s[0] == "kind=bad-access"
    assert s[1:] == ["cl_null_deref [crashlab]", "cl_trigger [crashlab]", "cl_dev_queue_req [crashlab]",
                     "cl_dev_submit [crashlab]", "cl_ioctl [crashlab]", "cl_dispatch [crashlab]",
                     "crashlab_write [crashlab]", "proc_reg_write"]
    reasons = {f.symbol: f.skipped_reason for f in r.frames}
    assert reasons["cl_trigger"] is None and reasons["cl_null_deref"] is None
    assert reasons["vfs_write"] == "beyond-depth"
    assert reasons["? do_fault"] == "unreliable"
    assert reasons["do_syscall_64"] == "generic"


def test_addresses_offsets_release_do_not_matter():
    a, b = x86_null("6.1.0-56-amd64", 0), x86_null("6.1.0-50-amd64", 0x40)
    b.cpu, b.pid = 3, 999
    assign_bucket_ids([a, b])
    assert a.bucket_id == b.bucket_id


def test_generic_names_kept_inside_modules():
    a = R([F("report_bug", "mydrv", method="regs"), F("mydrv_probe", "mydrv")])
    assert sig(a)[1:] == ["report_bug [mydrv]", "mydrv_probe [mydrv]"]
    b = R([F("report_bug", method="regs"), F("mydrv_probe", "mydrv")])
    assert sig(b)[1:] == ["mydrv_probe [mydrv]"]


def test_arm64_leaf_caller_from_lr_matches_x86():
    # arm64 prints the leaf (pc) first and skips its caller, which only `lr :` names; the
    # parser puts the lr frame right after the first printed frame.
    arm = R([F("cl_null_deref", "crashlab"), F("cl_trigger", "crashlab", method="regs")] +
            [F(s, "crashlab") for s in TRACE[1:]] + [F("proc_reg_write"), F("vfs_write")],
            arch="arm64", kind="null-deref", title="t")
    assert sig(arm) == sig(x86_null())
    # A call through NULL: pc has no symbol, lr names the caller.
    arm_call = R([F(None, method="regs"), F("cl_null_call", "crashlab", method="regs")] +
                 [F(s, "crashlab") for s in TRACE], arch="arm64", kind="null-deref", title="t")
    x86_call = R([F(None, method="regs"), F("cl_null_call", "crashlab")] + [F(s, "crashlab") for s in TRACE],
                 kind="null-deref", title="t")
    assert sig(arm_call) == sig(x86_call)
    # ... but a stale lr (armhf keeps the last callee's return address) is not used.
    armhf = R([F("cl_use_after_free", "crashlab"), F("kmem_cache_free", method="regs"), F("cl_trigger", "crashlab")],
              arch="arm", kind="paging", title="t")
    assign_bucket_ids([armhf])
    assert sig(armhf)[1:] == ["cl_use_after_free [crashlab]", "cl_trigger [crashlab]"]
    assert armhf.frames[1].skipped_reason == "unreliable"


def test_i386_leaf_caller_printed_unreliable():
    i386 = R([F("cl_null_deref", "crashlab", method="regs"), F("cl_trigger", "crashlab", reliable=False)] +
             [F(s, "crashlab") for s in TRACE[1:]] +
             [F("cl_dispatch", "crashlab", reliable=False), F("proc_reg_write"), F("proc_reg_read", reliable=False)],
             arch="i386", kind="null-deref", title="t")
    assert sig(i386) == sig(x86_null())
    # Elsewhere a leading `?` frame is not trusted.
    x86 = R([F("cl_null_deref", "crashlab", method="regs"), F("cl_trigger", "crashlab", reliable=False),
             F("cl_dev_queue_req", "crashlab")], kind="null-deref", title="t")
    assert "cl_trigger [crashlab]" not in sig(x86)


def test_reliable_frames_first_then_unwound_then_scanned():
    printed = [F("a_fn", "m"), F("b_fn", "m")]
    # The unwinder appends its frames: registers, then fp, then scanned words.
    unwound = [F("a_fn", "m", method="regs"), F("c_fn", "m", method="fp"),
               F("d_fn", "m", method="scan", reliable=False)]
    r = R(printed + unwound)
    assign_bucket_ids([r])
    assert sig(r)[1:] == ["a_fn [m]", "b_fn [m]"]
    assert [f.skipped_reason for f in r.frames] == [None, None, "superseded", "superseded", "scanned"]
    r2 = R([F("x_fn", "m", method="regs"), F("c_fn", "m", method="fp"), F("d_fn", "m", method="scan", reliable=False)])
    assert sig(r2)[1:] == ["x_fn [m]", "c_fn [m]"]
    r3 = R([F("d_fn", "m", method="scan", reliable=False), F("e_fn", "m", reliable=False)])
    assert sig(r3)[1:] == ["d_fn [m]", "e_fn [m]"]


def test_entry_frame_and_context_change_end_the_signature():
    r = R([F("__dump_stack"), F("cl_warn", "crashlab", context="irq"), F("call_timer_fn", context="irq"),
           F("handle_softirqs", context="irq"), F("idle_fn", context="irq"), F("task_fn", context="task")])
    assign_bucket_ids([r])
    assert sig(r)[1:] == ["cl_warn [crashlab]", "call_timer_fn"]
    assert [f.skipped_reason for f in r.frames] == ["generic", None, None, "generic", "beyond-depth", "beyond-depth"]


def test_recursion_collapses_and_inlined_skipped():
    r = R([F("rec", "m", method="regs")] + [F("rec", "m") for _ in range(20)] +
          [F("helper", "m", inlined=True), F("outer", "m")])
    assign_bucket_ids([r])
    assert sig(r)[1:] == ["rec [m]", "outer [m]"]
    assert r.frames[1].skipped_reason == "recursion"
    assert r.frames[-2].skipped_reason == "inlined"


def test_no_frames_falls_back_to_title():
    a = R([], kind="kcsan", title="KCSAN: data-race in a / b")
    b = R([], kind="kcsan", title="KCSAN: data-race in c / d")
    assign_bucket_ids([a, b])
    assert a.bucket_id != b.bucket_id and a.bucket_id and b.bucket_id


def test_bad_input_never_raises():
    weird = R([Frame(symbol=None, method=None), Frame(symbol="", method="bogus", context=None),
               Frame(symbol="x" * 5000, module="")], arch=None, kind=None, title=None)
    errs = assign_bucket_ids([weird])
    assert errs == [] and weird.bucket_id


# -- ids ---------------------------------------------------------------------------------
def _corpus(n=60, seed=1):
    rnd = random.Random(seed)
    names = [f"fn{i}" for i in range(12)]
    out = []
    for i in range(n):
        fr = [F(rnd.choice(names), "m", method="regs")] + [F(rnd.choice(names), rnd.choice([None, "m"]))
                                                          for _ in range(rnd.randint(0, 10))]
        out.append(R(fr, kind=rnd.choice(["warning", "bug", "null-deref"]), source=f"s{i}"))
    return out


def test_ids_independent_of_batching_and_order():
    reps = _corpus()
    assign_bucket_ids(reps)
    ids = {r.report_id: r.bucket_id for r in reps}
    again = _corpus()
    random.Random(7).shuffle(again)
    for k in range(0, len(again), 7):
        assign_bucket_ids(again[k:k + 7])
    assert {r.report_id: r.bucket_id for r in again} == ids


def test_adding_reports_keeps_existing_ids():
    reps = _corpus(40)
    assign_bucket_ids(reps)
    before = [r.bucket_id for r in reps]
    more = _corpus(40) + _corpus(80, seed=2)
    assign_bucket_ids(more)
    assert [r.bucket_id for r in more[:40]] == before


# -- families ------------------------------------------------------------------------------
def test_similarity_weights_the_crash_site():
    a = ["site", "caller", "x1", "x2", "x3"]
    assert similarity(a, a) == pytest.approx(1.0)
    assert similarity(a, ["site", "caller", "y1", "y2"]) > 0.8
    assert similarity(a, ["other", "caller", "x1", "x2", "x3"]) < 0.45


def test_extra_outer_frame_is_new_bucket_same_family():
    # crashlab chain e = chain a + one compat wrapper frame.
    chain_a = TRACE[:4] + ["cl_dispatch", "crashlab_write"]
    chain_e = TRACE[:4] + ["cl_compat_ioctl", "cl_dispatch", "crashlab_write"]
    other_site = R([F("cl_bug", "crashlab", method="regs")] + [F(s, "crashlab") for s in chain_a], kind="bug")
    ra = R([F("cl_warn", "crashlab", method="regs")] + [F(s, "crashlab") for s in chain_a])
    re_ = R([F("cl_warn", "crashlab", method="regs")] + [F(s, "crashlab") for s in chain_e])
    rk = R([F("cl_warn", "crashlab", method="regs"), F("cl_trigger", "crashlab"), F("cl_worker_poll", "crashlab"),
            F("cl_kthread_main", "crashlab"), F("kthread")])
    s = signatures_for([ra, re_, rk, other_site])
    assert len(set(s.bucket_id)) == 4
    fam = Families()
    fam.assign((b, s.signature[b]) for b in s.bucket_id)
    f = [fam.family[b] for b in s.bucket_id]
    assert f[0] == f[1] == f[2] != f[3]


def test_families_online_keep_known_ids():
    fam = Families()
    fam.add_known("b2", ["kind=warning", "site", "c1", "c2"], "fam-old")
    fam.assign([("b1", ["kind=warning", "site", "c1", "c3"]), ("b3", ["kind=warning", "zzz", "c1"])])
    assert fam.family == {"b2": "fam-old", "b1": "fam-old", "b3": family_key(["kind=warning", "zzz", "c1"])}


def test_new_family_id_independent_of_arrival_order():
    a = ("ba", ["kind=bug", "site", "caller", "x1", "x2"])
    b = ("bb", ["kind=bug", "site", "caller", "y1"])
    one, two = Families(), Families()
    one.assign([a]), one.assign([b])
    two.assign([b]), two.assign([a])
    assert one.family == two.family and len(set(one.family.values())) == 1


def test_dataset_path_matches_worker_path_in_any_row_order():
    """Frames read back from the dataset (any row order, dictionary-encoded or not) give
    the same ids as the Report objects the workers bucketed."""
    import numpy as np
    import pyarrow as pa

    from crashpipe import sink
    from crashpipe.bucket.index import columns_from_tables
    from crashpipe.bucket.signature import compute

    reps = _corpus(50) + [x86_null()]
    assign_bucket_ids(reps)
    ids = [r.report_id for r in reps]
    rt, ft = sink.reports_table(reps, ids), sink.frames_table(reps, ids)
    for perm in (np.arange(ft.num_rows), np.random.default_rng(3).permutation(ft.num_rows)):
        frames = ft.take(pa.array(perm))
        for dictionary in (False, True):
            if dictionary:
                frames = frames.set_column(0, "report_id", frames.column("report_id").dictionary_encode())
            s = compute(columns_from_tables(rt.take(pa.array(np.arange(rt.num_rows)[::-1])), frames))
            assert s.bucket_id == [r.bucket_id for r in reps][::-1]


def test_wrong_types_do_not_lose_the_batch():
    good = x86_null()
    bad = R([Frame(symbol=123, module=4.5, method=7, context=[])], arch=5, kind=object(), title=b"x")
    errs = assign_bucket_ids([good, bad])
    assert errs == [] and good.bucket_id == sig_id(x86_null()) and bad.bucket_id


def sig_id(report):
    return signatures_for([report]).bucket_id[0]


def test_refcount_bug_and_plain_warning_in_one_function_stay_apart():
    chain = [F("cl_obj_put", "crashlab"), F("cl_refcount_underflow", "crashlab"), F("cl_trigger", "crashlab")]
    refcount = R([F("refcount_warn_saturate", method="regs")] + chain, title="WARNING: refcount bug in cl_obj_put")
    plain = R([F("cl_obj_put", "crashlab", method="regs")] + chain[1:], title="WARNING in cl_obj_put")
    a, b = sig(refcount), sig(plain)
    assert a[1:] == b[1:] and a[0] != b[0]
