"""Format knowledge for reading kernel crash reports, kept as data apart from the
engines in `crashpipe.lines`, `crashpipe.split` and `crashpipe.titles`.

Modules:
- `console`: the line prefixes consoles, syslog and journald put before kernel text.
- `oopses`: report start markers (headers) and per-kind title formats, in syzkaller's
  vocabulary, with the frames to skip when naming the guilty function.
- `kinds`: the short `kind` vocabulary (documented per kind).
- `frames`: stack-trace shapes and the frames never used to name a bug.
- `spans`: where a report begins and ends around its header.
- `titles`: title clean-up (placeholders for dynamic parts).

Other stages keep their tables here too (`fields`, `bucket_rules`).

"""
