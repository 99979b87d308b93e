"""Stack text parsing: the forms crash collectors and kernels print, and garbage."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crashpipe.stackdump import looks_textual, parse_stack, parse_stack_text


def test_colon_addresses_64bit():
    t = ("ffffc90000123e00: ffffffff81234567 0000000000000000  gE#.............\n"
         "ffffc90000123e10: ffffc90000123e40 ffffffff8100abcd  @>..............\n")
    p = parse_stack_text(t)
    assert p.base == 0xFFFFC90000123E00 and p.word_size == 8
    assert p.data[:8] == (0xFFFFFFFF81234567).to_bytes(8, "little")
    assert len(p.data) == 32 and p.warnings == []


def test_gap_stops_the_dump():
    t = "0x1000 00000001 00000002 00000003 00000004\n0x1020 00000005 00000006 00000007 00000008\n"
    p = parse_stack_text(t)
    assert p.base == 0x1000 and len(p.data) == 16 and "does not continue" in p.warnings[0]


def test_arm_block_with_padding_and_range():
    t = ("Stack: (0xe090de18 to 0xe090de30)\n"
         "de00:                                                       c1eabdc0 bf00063c\n"
         "de20: c1eabdc0 bf0007b4 c1eabdc0 bf0007cc c1eabdc0 bf0007e4\n"
         " cl_x from cl_y+0x10/0x18\n")
    p = parse_stack_text(t)
    assert p.base == 0xE090DE18
    words = [int.from_bytes(p.data[i:i + 4], "little") for i in range(0, len(p.data), 4)]
    assert words == [0xC1EABDC0, 0xBF00063C, 0xC1EABDC0, 0xBF0007B4, 0xC1EABDC0, 0xBF0007CC]
    assert "beyond the header" in p.warnings[0]


def test_x86_oops_stack_block_in_context():
    t = ("RIP: 0010:foo+0x1/0x2\n"
         "Stack:\n"
         " ffff880001 ffffffff81000000 0000000000000001\n"
         " ffffffff81000010\n"
         "Call Trace:\n")
    p = parse_stack_text(t, 8)
    assert p.base is None
    assert [int.from_bytes(p.data[i:i + 8], "little") for i in range(0, len(p.data), 8)] == [
        0xFFFF880001, 0xFFFFFFFF81000000, 1, 0xFFFFFFFF81000010]


def test_binary_is_not_text():
    assert not looks_textual(b"\x00\x01abc")
    assert looks_textual(b"0x1000 00000001\n")
    p = parse_stack(b"\x00" * 12 + b"\xff")
    assert p.base is None and len(p.data) == 13


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_garbage_text_never_raises(t):
    p = parse_stack_text(t)
    assert p.word_size in (4, 8)
    assert len(p.data) % p.word_size == 0
