"""The columnar engine and its pure-Python twin agree on random reports: same bucket
id, same signature, same skip reason for every frame."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crashpipe.bucket import signatures_for
from crashpipe.bucket.reference import bucket_id_of, signature_of
from crashpipe.model import Frame, Report

NAMES = ["f", "g", "h", "g.isra.0", "h.cold", "__x64_sys_read", "__se_sys_read", "dump_stack_lvl", "__warn",
         "kasan_report", "do_syscall_64", "entry_SYSCALL_64_after_hwframe", "handle_softirqs", "ret_from_fork",
         "mutex_lock", "kthread", "", " ", None]
frames = st.builds(
    Frame,
    symbol=st.sampled_from(NAMES),
    module=st.sampled_from([None, None, "", "m", "n"]),
    method=st.sampled_from(["trace", "trace", "regs", "fp", "cfi", "scan", None, "bogus"]),
    reliable=st.booleans(),
    inlined=st.sampled_from([False, False, False, True]),
    context=st.sampled_from(["task", "task", "irq", "softirq", None]),
)
reports = st.builds(
    Report,
    arch=st.sampled_from(["x86_64", "i386", "arm64", "arm", None]),
    kind=st.sampled_from(["warning", "bug", "kasan", "null-deref", "gpf", None]),
    title=st.sampled_from(["WARNING in f", "KASAN: use-after-free Read in g", "KASAN: slab-out-of-bounds 8 in g", None]),
    frames=st.lists(frames, max_size=24),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(reports, min_size=1, max_size=6))
def test_engine_matches_twin(batch):
    for r in batch:
        for k, f in enumerate(r.frames):
            f.frame_no = k
    sigs = signatures_for(batch)
    reasons = sigs.reasons()
    k = 0
    for r, bid in zip(batch, sigs.bucket_id):
        toks, why = signature_of(r)
        assert sigs.signature[bid] == toks
        assert bid == bucket_id_of(r)
        assert reasons[k:k + len(r.frames)] == why
        k += len(r.frames)
