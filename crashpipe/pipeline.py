"""The stage chain per source and its fan-out over worker processes.

Per source (in a worker): decode -> parse_text -> unwind_reports -> symbolize_reports ->
assign_bucket_ids.  Each stage is looked up once per process and skipped when its
module is not there (the stages are built by different people at different times); an
exception inside a stage becomes an errors row naming the stage and the source, and the
source's other reports go on to the next stage.

Fan-out: the parent walks the inputs (`crashpipe.ingest.walk`) and hands each worker a
path (a plain or compressed file, which the worker reads itself) or, for tar members
that only exist inside a stream, the member's bytes.  Results come back as
`TaskResult`s; the caller (`run` -> sink, `parse` -> stdout) consumes them in the parent.
The local pool is fork-based on purpose: multiprocessing-logging needs fork, and forked
workers inherit the run's options and the manifest of done sources without pickling.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import gc
import hashlib
import importlib
import logging
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from crashpipe import ingest
from crashpipe.ingest import FileEvent, Limits, PathSource, Source
from crashpipe.model import ErrorRow, Report

log = logging.getLogger(__name__)

# (stage name, module, function) in the order they run on a batch of reports.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("unwind", "crashpipe.unwind", "unwind_reports"),
    ("symbolize", "crashpipe.symbols", "symbolize_reports"),
    ("bucket", "crashpipe.bucket", "assign_bucket_ids"),
)
PARSE = ("parse", "crashpipe.parse", "parse_text")
STACKDUMP = ("stackdump", "crashpipe.stackdump", "reports_from_container")
DETAIL_MAX = 500  # characters of an exception message kept in an errors row
DEFAULT_TASK_TIMEOUT = 3600.0  # a 2 GiB log at ~1 MB/s fits; an endless loop does not
LONG_LINE_CHUNK = 1 << 26  # bytes scanned per numpy pass when looking for over-long lines


@dataclass
class Options:
    symbols: str | None = None
    workers: int = 1
    limits: Limits = field(default_factory=Limits)
    # (name, blake2b) of sources already in the dataset: skipped by the workers.
    done_sources: frozenset[tuple[str, str]] = frozenset()
    # Seconds one task (a file or archive member) may run in a pool worker before the
    # worker is killed: a stage stuck in a loop must not stall a nightly run.
    task_timeout: float = DEFAULT_TASK_TIMEOUT
    # Workers turn each task's reports into Arrow tables (crashpipe.sink.TaskTables)
    # and send those instead of Report objects; set by the Runner for a consumer that
    # wants them (the dataset sink).
    tables: bool = False


@dataclass
class SourceResult:
    name: str
    digest: str
    nbytes: int
    reports: list[Report] = field(default_factory=list)
    errors: list[ErrorRow] = field(default_factory=list)
    skipped: bool = False
    n_reports: int | None = None  # set when `reports` went into the task's tables

    def report_count(self) -> int:
        return len(self.reports) if self.n_reports is None else self.n_reports


@dataclass
class TaskResult:
    seq: int
    file: str | None  # the top-level input this task came from
    sources: list[SourceResult] = field(default_factory=list)
    errors: list[ErrorRow] = field(default_factory=list)  # ingest errors of a worker-read file
    tables: Any = None  # crashpipe.sink.TaskTables of the sources' reports (Options.tables)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# ---------------------------------------------------------------- stage lookup
_resolved: dict[tuple[str, str], Callable[..., Any] | None] = {}


def stage_function(module: str, name: str) -> Callable[..., Any] | None:
    """The stage's function, or None while its module/function does not exist yet."""
    key = (module, name)
    if key not in _resolved:
        _resolved[key] = _lookup(module, name)
    return _resolved[key]


def _lookup(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError as e:
        # A crashpipe module that is not written yet is expected; anything else is not.
        missing = getattr(e, "name", None) or ""
        level = logging.DEBUG if missing.startswith("crashpipe") else logging.ERROR
        log.log(level, "%s.%s not available (%s): skipped", module, name, e)
    except Exception as e:  # noqa: BLE001 - a broken stage module must not stop the run
        log.error("%s.%s cannot be imported (%s: %s): skipped", module, name, type(e).__name__, e)
    return None


def _error(source: str, stage: str, e: BaseException) -> ErrorRow:
    log.warning("%s: %s stage failed: %s: %s", source, stage, type(e).__name__, e)
    return ErrorRow(source, None, stage, type(e).__name__, str(e)[:DETAIL_MAX])


# ---------------------------------------------------------------- one source
def decode(data: bytes) -> tuple[str, int]:
    """Text of a log and the number of bytes that were not UTF-8 (replaced by U+FFFD)."""
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        return text, text.count("\ufffd") - data.count("\ufffd".encode())


def long_lines(data: bytes, limit: int) -> tuple[int, int]:
    """(number of lines longer than `limit` bytes, 1-based number of the first one);
    vectorised so a 100 MB line or a million short ones cost one pass."""
    import numpy as np

    count, first, line_no, line_start = 0, 0, 1, 0
    for off in range(0, len(data), LONG_LINE_CHUNK):
        chunk = np.frombuffer(data, np.uint8, count=min(LONG_LINE_CHUNK, len(data) - off), offset=off)
        nl = np.flatnonzero(chunk == 10) + off
        if len(nl):
            starts = np.concatenate(([line_start], nl[:-1] + 1))
            over = np.flatnonzero(nl - starts > limit)
            if len(over):
                if not count:
                    first = line_no + int(over[0])
                count += len(over)
            line_no += len(nl)
            line_start = int(nl[-1]) + 1
    if len(data) - line_start > limit:
        if not count:
            first = line_no
        count += 1
    return count, first


def _max_line() -> int:
    try:
        from crashpipe.lines import MAX_LINE
    except ImportError:
        return 4096
    return MAX_LINE


def container_reports(name: str, path: str) -> tuple[list[Report], list[ErrorRow]]:
    """One Report per dump of a stack-dump container file (crashpipe.stackdump)."""
    fn = stage_function(*STACKDUMP[1:])
    if fn is None:
        return [], [ErrorRow(name, None, "ingest", "no-stackdump-reader", "stack-dump container found but crashpipe.stackdump cannot read it")]
    try:
        return [r for batch in fn(path) for r in batch], []
    except Exception as e:  # noqa: BLE001
        return [], [_error(name, "stackdump", e)]


def parse_source(name: str, data: bytes) -> tuple[list[Report], list[ErrorRow]]:
    """Reports of one text source, before the later stages; never raises."""
    errors: list[ErrorRow] = []
    if not data:
        return [], [ErrorRow(name, None, "ingest", "empty", "no bytes")]
    if ingest.looks_binary(data):
        return [], [ErrorRow(name, None, "ingest", "binary", "not text: too many control bytes in the first 64 KiB")]
    text, bad = decode(data)
    if bad:
        errors.append(ErrorRow(name, None, "ingest", "non-utf8", f"{bad} bytes that are not UTF-8 replaced by U+FFFD"))
    limit = _max_line()
    n_long, first_long = long_lines(data, limit)
    if n_long:
        errors.append(ErrorRow(name, first_long, "split", "line-too-long", f"{n_long} line(s) longer than {limit} characters cut to {limit}"))
    fn = stage_function(*PARSE[1:])
    if fn is None:
        return [], errors + [ErrorRow(name, None, "parse", "no-parser", "crashpipe.parse is not available")]
    try:
        reports = list(fn(text, name))
    except Exception as e:  # noqa: BLE001 - parse_text promises not to raise; keep the run going if it does
        return [], errors + [_error(name, "parse", e)]
    reports.sort(key=lambda r: r.source_line)  # order of start (stable)
    return reports, errors


def later_stages(reports: list[Report], symbols: str | None, source: str) -> list[ErrorRow]:
    """unwind -> symbolize -> bucket ids, in place; each stage's failure is one errors row."""
    errors: list[ErrorRow] = []
    if not reports:
        return errors
    for stage, module, fn_name in STAGES:
        fn = stage_function(module, fn_name)
        if fn is None:
            continue
        try:
            if stage == "unwind":
                out = fn(reports, _symbol_store(symbols))
            elif stage == "symbolize":
                out = fn(reports, symbols)
            else:
                out = fn(reports)
        except Exception as e:  # noqa: BLE001
            errors.append(_error(source, stage, e))
            continue
        errors.extend(out or [])
    return errors


_stores: dict[str, Any] = {}


def _symbol_store(path: str | None) -> Any:
    """The unwinder wants an opened SymbolStore (text ranges); open each store once per
    process, and go on without one if the symbols module cannot open it."""
    if path is None:
        return None
    if path not in _stores:
        store = None
        cls = _lookup("crashpipe.symbols", "SymbolStore")
        opener = getattr(cls, "open", None) if cls is not None else None
        if opener is not None:
            try:
                store = opener(path)
            except Exception as e:  # noqa: BLE001
                log.warning("symbol store %s cannot be opened for unwinding: %s", path, e)
        _stores[path] = store
    return _stores[path]


def process_source(name: str, data: bytes, symbols: str | None = None, kind: str = "text",
                   path: str | None = None) -> tuple[list[Report], list[ErrorRow]]:
    """The whole chain for one source: (reports, errors).  Never raises."""
    if kind == "stackdump" and path is not None:
        reports, errors = container_reports(name, path)
    else:
        reports, errors = parse_source(name, data)
    errors += later_stages(reports, symbols, name)
    return reports, errors


# ---------------------------------------------------------------- tasks (worker side)
_OPTS = Options()  # set in the parent before the pool forks; workers inherit it


def _source_result(src: Source) -> SourceResult:
    if src.path is not None:
        d, size = file_digest(src.path)
    else:
        d, size = digest(src.data), len(src.data)
    if (src.name, d) in _OPTS.done_sources:
        return SourceResult(src.name, d, size, skipped=True)
    reports, errors = process_source(src.name, src.data, _OPTS.symbols, src.kind, src.path)
    return SourceResult(src.name, d, size, reports, errors)


def file_digest(path: str) -> tuple[str, int]:
    h = hashlib.blake2b(digest_size=16)
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def run_task(seq: int, file: str | None, task: PathSource | Source) -> TaskResult:
    out = TaskResult(seq, file)
    try:
        if isinstance(task, Source):
            out.sources.append(_source_result(task))
            return out
        for item in ingest.expand_path(task.name, task.path, _OPTS.limits):
            if isinstance(item, ErrorRow):
                out.errors.append(item)
            else:
                out.sources.append(_source_result(item))
    except Exception as e:  # noqa: BLE001 - a bug must cost one task, not the run
        out.errors.append(_error(task.name, "ingest", e))
    if _OPTS.tables:
        _to_tables(out)
    return out


def _to_tables(out: TaskResult) -> None:
    """Replace the task's Report objects by Arrow tables (in the worker, so the parent
    does no per-frame work).  If they cannot be built the Report objects stay and the
    parent builds the tables (and meets the same problem there, where it is reported)."""
    live = [s for s in out.sources if not s.skipped and s.reports]
    if not live:
        return
    from crashpipe import sink

    try:
        out.tables = sink.task_tables([(s.name, s.reports) for s in live])
    except Exception as e:  # noqa: BLE001
        log.warning("%s: report tables not built in the worker: %s: %s", out.file, type(e).__name__, e)
        return
    for s in live:
        s.n_reports, s.reports = len(s.reports), []


# ---------------------------------------------------------------- fan-out (parent side)
class Consumer(Protocol):
    def task(self, result: TaskResult) -> None: ...
    def file_done(self, event: FileEvent, errors: list[ErrorRow]) -> None: ...
    def loose_errors(self, errors: list[ErrorRow]) -> None: ...


@dataclass
class Summary:
    sources: int = 0
    skipped: int = 0
    reports: int = 0
    errors: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        skipped = f" ({self.skipped} already done)" if self.skipped else ""
        mb = self.bytes / 1e6
        return (f"crashpipe: {self.sources} sources{skipped}, {self.reports} reports, {self.errors} errors, "
                f"{mb:.1f} MB in {self.seconds:.1f} s")


@dataclass
class _FileState:
    event: FileEvent
    outstanding: int = 0
    walked: bool = False
    errors: list[ErrorRow] = field(default_factory=list)


class Runner:
    """Walk the inputs, fan the tasks out, feed the results to a consumer, keep count."""

    def __init__(self, opts: Options, consumer: Consumer, skip_file: Callable[[FileEvent], bool] | None = None,
                 progress: bool = False) -> None:
        if getattr(consumer, "wants_tables", False) and not opts.tables:
            opts = dataclasses.replace(opts, tables=True)
        self.opts = opts
        self.consumer = consumer
        self.skip_file = skip_file
        self.summary = Summary()
        self._files: dict[str, _FileState] = {}
        self._bar = None
        if progress:
            from tqdm import tqdm

            self._bar = tqdm(unit="src", file=sys.stderr, dynamic_ncols=True, leave=False)

    # -- the task stream, with its bookkeeping
    def _tasks(self, paths: list[str]) -> Iterator[tuple[int, str | None, PathSource | Source]]:
        seq = 0
        current: _FileState | None = None
        for item in ingest.walk(paths, self.opts.limits, self.skip_file):
            if isinstance(item, FileEvent):
                if item.what == "skipped":
                    self.summary.skipped += 1
                    self._tick()
                elif item.what == "start":
                    current = self._files[item.name] = _FileState(item)
                else:  # done
                    st = self._files.get(item.name)
                    if st is not None:
                        st.walked = True
                        self._maybe_done(item.name)
                    current = None
            elif isinstance(item, ErrorRow):
                if current is not None:
                    current.errors.append(item)
                else:
                    self.summary.errors += 1
                    self.consumer.loose_errors([item])
            elif isinstance(item, PathSource):
                st = self._files[item.name] = _FileState(FileEvent(item.name, item.size, item.mtime_ns, "start"), walked=True)
                st.outstanding += 1
                yield seq, item.name, item
                seq += 1
            else:  # a Source streamed out of a tar in this process
                assert current is not None
                if (item.name, digest(item.data)) in self.opts.done_sources:
                    self.summary.skipped += 1
                    continue
                current.outstanding += 1
                yield seq, current.event.name, item
                seq += 1

    def _maybe_done(self, name: str) -> None:
        st = self._files[name]
        if st.walked and st.outstanding == 0:
            del self._files[name]
            self.summary.errors += len(st.errors)
            self.consumer.file_done(FileEvent(st.event.name, st.event.size, st.event.mtime_ns, "done"), st.errors)

    def _result(self, res: TaskResult) -> None:
        for s in res.sources:
            if s.skipped:
                self.summary.skipped += 1
                continue
            self.summary.sources += 1
            self.summary.reports += s.report_count()
            self.summary.errors += len(s.errors)
            self.summary.bytes += s.nbytes
        self.summary.errors += len(res.errors)
        self.consumer.task(res)
        self._tick(len(res.sources))
        if res.file is not None and res.file in self._files:
            self._files[res.file].outstanding -= 1
            self._maybe_done(res.file)

    def _tick(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)
            self._bar.set_postfix(reports=self.summary.reports, errors=self.summary.errors, refresh=False)

    # -- execution
    def run(self, paths: list[str], executor: str = "local", scheduler: str | None = None) -> Summary:
        global _OPTS
        t0 = time.monotonic()
        _OPTS = self.opts
        tasks = self._tasks(paths)
        # The parent keeps a long-lived heap that grows with the run (bucket rows,
        # family indexes, buffered tables), and the cyclic collector's default young
        # threshold (700 allocations) walked it ~700 times on 25k reports: half the
        # parent's CPU.  Nothing here builds reference cycles in bulk, so the collector
        # runs 70x less often during the run (forked workers inherit it; their parse
        # pauses it anyway) and the caller's setting comes back after.
        gc_was = gc.get_threshold()
        gc.set_threshold(max(gc_was[0], RUN_GC_THRESHOLD), *gc_was[1:])
        try:
            if executor == "dask":
                results = _dask_execute(tasks, self.opts, scheduler)
            elif self.opts.workers <= 1:
                results = (run_task(seq, file, task) for seq, file, task in tasks)
            else:
                results = _pool_execute(tasks, self.opts.workers, self.opts.task_timeout)
            for res in in_task_order(results):
                self._result(res)
        finally:
            gc.set_threshold(*gc_was)
            if self._bar is not None:
                self._bar.close()
        self.summary.seconds = time.monotonic() - t0
        return self.summary


REORDER_WINDOW = 256
RUN_GC_THRESHOLD = 50_000  # allocations between young collections during a run (Python's default: 700)


def in_task_order(results: Iterable[TaskResult], window: int = REORDER_WINDOW) -> Iterator[TaskResult]:
    """Task results in the order the tasks were issued (seq 0, 1, 2, ...).

    Families are assigned online in the parent, so the order in which results reach it
    decides which bucket founds a family; workers finish in any order, and without this
    two runs over the same input could disagree on family ids.  Every issued task yields
    exactly one result.  To bound memory, when more than `window` results wait behind a
    straggler, the oldest waiting one is delivered anyway (order is given up for it)."""
    pending: dict[int, TaskResult] = {}
    early: set[int] = set()  # delivered ahead of a straggler
    nxt = 0
    for res in results:
        pending[res.seq] = res
        while True:
            if nxt in pending:
                yield pending.pop(nxt)
            elif nxt in early:
                early.discard(nxt)
            else:
                break
            nxt += 1
        if len(pending) > window:
            seq = min(pending)
            early.add(seq)
            yield pending.pop(seq)
    for seq in sorted(pending):
        yield pending[seq]


def _pool_execute(tasks: Iterator[tuple[int, str | None, PathSource | Source]], workers: int,
                  task_timeout: float = DEFAULT_TASK_TIMEOUT) -> Iterator[TaskResult]:
    """Fork pool with a bounded number of tasks in flight (a tar of a million members
    must not be read into memory up front).

    A worker that dies (a crash in native code, the OOM killer) breaks the whole pool and
    every task in flight with it; a task running past `task_timeout` gets its pool's
    workers killed, which comes to the same.  Those tasks become suspects: they run again
    one at a time in a fresh pool, so an innocent one just succeeds and the culprit,
    failing a second time, becomes a `worker-died` or `timeout` errors row while the run
    goes on."""
    import collections

    import multiprocessing_logging

    Task = tuple[int, str | None, PathSource | Source]
    ctx = multiprocessing.get_context("fork")
    max_in_flight = 2 * workers + 2
    poll = min(5.0, max(0.05, task_timeout / 4))
    suspects: collections.deque[Task] = collections.deque()
    attempts: dict[int, int] = {}
    timed_out: set[int] = set()  # seqs that ran past the timeout
    inflight: dict[cf.Future, Task] = {}
    started: dict[cf.Future, float] = {}
    exhausted = False
    multiprocessing_logging.install_mp_handler()
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)

    def failed(t: Task) -> TaskResult | None:
        """A task lost with its pool: a suspect to retry alone, or (second time) an errors row."""
        if attempts[t[0]] < 2:
            suspects.append(t)
            return None
        if t[0] in timed_out:
            log.error("%s: still running after %.0f s, twice: given up", t[2].name, task_timeout)
            err = ErrorRow(t[2].name, None, "worker", "timeout", f"processing took longer than {task_timeout:.0f} s, twice")
        else:
            log.error("%s: the worker process died twice on this input", t[2].name)
            err = ErrorRow(t[2].name, None, "worker", "worker-died", "the worker process died while processing this input, twice")
        return TaskResult(t[0], t[1], errors=[err])

    try:
        while True:
            if suspects:
                batch = [suspects.popleft()] if not inflight else []
            else:
                batch = []
                while not exhausted and len(inflight) + len(batch) < max_in_flight:
                    t = next(tasks, None)
                    if t is None:
                        exhausted = True
                    else:
                        batch.append(t)
            broken = False
            for t in batch:
                attempts[t[0]] = attempts.get(t[0], 0) + 1
                try:
                    inflight[pool.submit(run_task, *t)] = t
                except cf.process.BrokenProcessPool:
                    suspects.append(t)
                    broken = True
            if not inflight and not suspects and exhausted:
                return
            done, _ = cf.wait(inflight, timeout=poll, return_when=cf.FIRST_COMPLETED) if inflight else (set(), set())
            now = time.monotonic()
            for fut in done:
                t = inflight.pop(fut)
                started.pop(fut, None)
                try:
                    res = fut.result()
                except cf.process.BrokenProcessPool:
                    broken = True
                    if (r := failed(t)) is not None:
                        yield r
                    continue
                yield res
            # A future counts as started once the pool hands it to a worker.
            for fut in inflight:
                if fut not in started and fut.running():
                    started[fut] = now
            late = [fut for fut, t0 in started.items() if fut in inflight and now - t0 > task_timeout]
            if late:
                for fut in late:
                    timed_out.add(inflight[fut][0])
                    log.warning("%s: running for more than %.0f s: stopping its worker", inflight[fut][2].name, task_timeout)
                for proc in list(getattr(pool, "_processes", {}).values()):
                    proc.kill()  # the executor has no per-task cancel; this breaks the pool
                broken = True
            if broken:
                # The rest of the pool's futures fail (or finished just before): settle them.
                cf.wait(inflight)
                for fut, t in list(inflight.items()):
                    try:
                        yield fut.result()
                    except cf.process.BrokenProcessPool:
                        if (r := failed(t)) is not None:
                            yield r
                inflight.clear()
                started.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        multiprocessing_logging.uninstall_mp_handler()


def _run_task_with(opts: Options, seq: int, file: str | None, task: PathSource | Source) -> TaskResult:
    """run_task on a Dask worker: the worker did not fork from us, so it gets the options
    (shipped once per worker, see _dask_execute) instead of inheriting them."""
    global _OPTS
    _OPTS = opts
    return run_task(seq, file, task)


def _dask_execute(tasks: Iterator[tuple[int, str | None, PathSource | Source]], opts: Options,
                  scheduler: str | None) -> Iterator[TaskResult]:
    """The same tasks on a Dask distributed cluster.  Workers must see the input paths
    (a shared filesystem); tar members travel as bytes.  Results come back here and go
    through the same sink, so the manifest and commits work as in a local run."""
    try:
        from distributed import Client, wait
    except ImportError:
        raise RuntimeError("--executor dask needs the dask extra: pip install 'crashpipe[dask]'") from None
    client = Client(scheduler) if scheduler else Client(processes=False)
    try:
        opts_future = client.scatter(opts, broadcast=True)
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        max_in_flight = 4 * n_workers + 2
        inflight: dict[Any, tuple[int, str | None, PathSource | Source]] = {}
        exhausted = False
        while True:
            while not exhausted and len(inflight) < max_in_flight:
                t = next(tasks, None)
                if t is None:
                    exhausted = True
                    break
                inflight[client.submit(_run_task_with, opts_future, *t, pure=False)] = t
            if not inflight:
                return
            done, _ = wait(list(inflight), return_when="FIRST_COMPLETED")
            for fut in done:
                seq, file, task = inflight.pop(fut)
                try:
                    yield fut.result()
                except Exception as e:  # noqa: BLE001 - a lost worker costs its task, not the run
                    log.error("%s: dask task failed: %s: %s", task.name, type(e).__name__, e)
                    yield TaskResult(seq, file, errors=[ErrorRow(task.name, None, "worker", type(e).__name__, str(e)[:DETAIL_MAX])])
    finally:
        client.close()


def collect(paths: list[str], opts: Options) -> tuple[list[Report], list[ErrorRow], Summary]:
    """All reports of `paths` in input order (sources in walk order, reports by start),
    for `crashpipe parse` and tests."""

    class _Collect:
        def __init__(self) -> None:
            self.results: list[TaskResult] = []
            self.errors: list[ErrorRow] = []

        def task(self, result: TaskResult) -> None:
            self.results.append(result)

        def file_done(self, event: FileEvent, errors: list[ErrorRow]) -> None:
            self.errors.extend(errors)

        def loose_errors(self, errors: list[ErrorRow]) -> None:
            self.errors.extend(errors)

    c = _Collect()
    summary = Runner(opts, c).run(paths)
    reports: list[Report] = []
    errors = list(c.errors)
    for res in sorted(c.results, key=lambda r: r.seq):
        errors.extend(res.errors)
        for s in res.sources:
            reports.extend(s.reports)
            errors.extend(s.errors)
    return reports, errors, summary


def bucket_index(out_dir: str | None) -> Any:
    """The bucket engineer's BucketIndex for `out_dir` (None: a fresh in-memory one), or
    None while crashpipe.bucket has none yet."""
    cls = _lookup("crashpipe.bucket", "BucketIndex")
    return cls.load(out_dir) if cls is not None else None


def assign_families(reports: list[Report], index: Any) -> None:
    if index is not None and reports:
        index.assign_families(reports)
