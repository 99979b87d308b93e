"""`crashpipe unwind` end to end, on the i386 example of the unwinder issue (a classic
oops-debugging exercise: the answer is what a human reads off the ebp chain)."""
from __future__ import annotations

import json

import pytest

from crashpipe.cli import main

I386_HEXDUMP = """\
0xf3e2de34 f3e2de70 c0135351 401ef021 00000000   p.bsQS...p......
0xf3e2de44 f3e2de81 00000021 f3e2c000 f7950924   ..bs......bs...w
0xf3e2de54 00000000 401ef000 00000246 00000246   .....p..F...F...
0xf3e2de64 00000001 00000001 f7950000 f3e2df18   ...........w..bs
0xf3e2de74 c02898b5 322d7875 23203235 00007820   5...ux.252...x..
0xf3e2de84 f3e2de98 00000000 f7950bd0 bffff0ec   ..bs....P..wlp..
0xf3e2de94 c70cf660 00000000 00000000 bffff0ec   .v.G........lp..
0xf3e2dea4 f3e2c000 f7950930 7fffffff 00000000   ..bs0..w........
0xf3e2deb4 00000000 00000001 00000000 bffff07b   .............p..
0xf3e2dec4 f5cfd880 bffff07b 00000000 f5f24740   .XOu.p.......Gru
0xf3e2ded4 c0124f87 00000000 00000000 00200200   .O..............
0xf3e2dee4 f3e2defc 067b3067 00000000 f5f24740   ..bsg0.......Gru
0xf3e2def4 c0124f87 f7950934 f7950934 c028331b   .O..4..w4..w.3..
0xf3e2df04 00000000 c01b0fe8 f5cfd880 f7950000   ....h....XOu...w
0xf3e2df14 fffffffb f3e2df50 c0283642 00000001   ....P.bsB6......
0xf3e2df24 00000001 00000001 f3e2c000 f6fe30d0   ..........bsP0.v
"""
ARGS = ["unwind", "--arch", "i386", "--fp", "0xf3e2de34", "--text-range", "0xc0100000-0xc0400000"]


@pytest.fixture
def stack_file(tmp_path):
    p = tmp_path / "stack.txt"
    p.write_text(I386_HEXDUMP)
    return str(p)


def test_i386_example_json(stack_file, capsys):
    assert main(ARGS + ["--stack", stack_file, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["arch"] == "i386"
    fr = out["frames"]
    rel = [f["address"] for f in fr if f["reliable"]]
    assert rel == [0xC0135351, 0xC02898B5, 0xC0283642]
    assert all(f["method"] == "fp" for f in fr if f["reliable"])
    unrel = [f["address"] for f in fr if not f["reliable"]]
    assert unrel == [0xC0124F87, 0xC0124F87, 0xC028331B, 0xC01B0FE8]
    assert all(f["method"] == "scan" for f in fr if not f["reliable"])
    assert [f["frame_no"] for f in fr] == list(range(len(fr)))
    # args: the caller's words at 8(%ebp) of its own frame (ebp 0xf3e2de70 for frame 0)
    assert fr[0]["args"] == [0x322D7875, 0x23203235, 0x00007820]
    assert fr[1]["args"] == [1, 1, 1]  # ebp 0xf3e2df18: words at df20..df28
    assert fr[2]["args"] is None  # ebp 0xf3e2df50 lies beyond the dump


def test_i386_example_text(stack_file, capsys):
    assert main(ARGS + ["--stack", stack_file]) == 0
    lines = capsys.readouterr().out.splitlines()
    body = [ln for ln in lines if "[<" in ln]
    assert [ln.split("[<")[1][:8] for ln in body] == ["c0135351", "c02898b5", "c0283642", "c0124f87", "c0124f87",
                                                      "c028331b", "c01b0fe8"]
    assert [ln.lstrip().startswith("?") for ln in body] == [False] * 3 + [True] * 4
    note = [k for k, ln in enumerate(lines) if "leaves the dump at f3e2df50" in ln]
    assert note and lines.index(body[2]) < note[0] < lines.index(body[3])
    assert any("regparm" in ln for ln in lines)


def test_args_option(stack_file, capsys):
    assert main(ARGS + ["--stack", stack_file, "--json", "--args", "1"]) == 0
    fr = json.loads(capsys.readouterr().out)["frames"]
    assert fr[0]["args"] == [0x322D7875]


def test_oops_block_and_binary_agree(tmp_path, capsys):
    words = [int(w, 16) for ln in I386_HEXDUMP.splitlines() for w in ln.split()[1:5]]
    raw = b"".join(w.to_bytes(4, "little") for w in words)
    (tmp_path / "s.bin").write_bytes(raw)
    oops = "Stack: " + "\n       ".join(" ".join(f"{w:08x}" for w in words[i:i + 8]) for i in range(0, len(words), 8))
    (tmp_path / "s.oops").write_text(oops + "\n")
    outs = []
    for name in ("s.bin", "s.oops"):
        assert main(ARGS + ["--stack", str(tmp_path / name), "--stack-base", "0xf3e2de34", "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1]
    assert [f["address"] for f in outs[0]["frames"] if f["reliable"]] == [0xC0135351, 0xC02898B5, 0xC0283642]


def test_binary_without_base_is_an_error(tmp_path, capsys):
    (tmp_path / "s.bin").write_bytes(b"\0\1\2\3" * 8)
    assert main(["unwind", "--arch", "i386", "--stack", str(tmp_path / "s.bin")]) == 2
    assert "--stack-base" in capsys.readouterr().err


def test_unknown_arch_and_layout(stack_file, capsys):
    assert main(["unwind", "--arch", "vax", "--stack", stack_file]) == 2
    assert main(["unwind", "--arch", "arm", "--frame-layout", "thumb", "--stack", stack_file]) == 2


def test_system_map_gives_the_text_ranges(stack_file, tmp_path, capsys):
    smap = tmp_path / "System.map"
    smap.write_text("c0100000 T _stext\nc0100000 T startup_32\nc0200000 t some_static\n"
                    "c0400000 T _etext\nc0500000 D some_data\n")
    assert main(["unwind", "--arch", "i386", "--fp", "0xf3e2de34", "--stack", stack_file,
                 "--system-map", str(smap), "--json"]) == 0
    fr = json.loads(capsys.readouterr().out)["frames"]
    assert [f["address"] for f in fr if f["reliable"]] == [0xC0135351, 0xC02898B5, 0xC0283642]
    assert len([f for f in fr if not f["reliable"]]) == 4


def test_without_text_ranges_the_chain_is_unvalidated(stack_file, capsys):
    assert main(["unwind", "--arch", "i386", "--fp", "0xf3e2de34", "--stack", stack_file]) == 0
    out = capsys.readouterr().out
    assert "no text ranges given" in out and " ? " not in out
