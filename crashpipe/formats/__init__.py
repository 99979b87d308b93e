"""Format knowledge for reading kernel crash reports, kept as data apart from the
engines in `crashpipe.lines`, `crashpipe.split` and `crashpipe.titles`.

Modules:
- `console`: the line prefixes consoles, syslog and journald put before kernel text.
- `oopses`: report start markers (headers) and per-kind title formats, in syzkaller's
  vocabulary, with the frames to skip when naming the guilty function.
- `kinds`: the short `kind` vocabulary and the title-prefix table that maps titles to it.
- `taint`: the taint letters printed after `Tainted:`.
"""
