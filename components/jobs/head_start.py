"""A new upload's linkage, started by the upload request itself (issue 14, goal 1).

The upload's tree job (``components.page.compute.upload_job``) is a Dash background callback:
it starts only after the upload's answer reached the browser and Dash's renderer asked for it
(~100-250 ms on this 2-core machine, measured as ``to_job`` in ``bench/bench_browser.py``).
Here the upload request starts the same linkage at once, in a process of the job server
(``components.jobs.launcher``), and that job, when it starts, *adopts* it
(:func:`wait_for`): it waits until the head start has memoised the tree, then reads it from
the store like any memoised tree. The analyst sees one job, with its progress bar and its
Cancel button; the linkage simply began earlier.

The head start lives only as long as someone waits for it. It stops itself (``os._exit``,
before the tree is stored) when

* no job has come to wait for it within :data:`GRACE_S` (the analyst changed a choice, the job
  was refused by a cap, the page was closed), or
* every job that waited is gone (Cancel, or another tree asked for: Dash kills that job).

Its marker file (``<data dir>/head-starts/<memo key hash>``: pid and the process's start
time, client, time written, row count) is what waiters and the caps see; waiters each leave
``<hash>.w<pid>`` beside it. When the head start dies early (killed, out of memory) its pid is
dead: the waiter stops waiting and computes the tree itself, as it would have without a head
start.

Caps: a head start is started only when the client and the server have room for one more job
(``components.jobs.caps``, head starts nobody waits for yet counted too); once its job adopts
it, that job holds the place. Only the local job manager (``DENDRO_JOB_MANAGER`` "launcher",
no ``REDIS_URL``) starts head starts: with Celery the linkage belongs on the workers.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clustering.prepare import Prepared
from components.settings import Settings
from components.view import TreeSpec

log = logging.getLogger(__name__)

#: Seconds a head start waits for its job to come and adopt it (the job normally starts
#: 0.1-0.3 s after the upload's answer; a loaded server can take seconds).
GRACE_S = 15.0
#: How often a waiting job looks for the marker's end (its own start: 20 -> 5 ms, issue 14),
#: and how often the head start looks at its waiters (s).
WAIT_POLL_S = 0.005
WATCH_POLL_S = 0.1
#: A marker whose process never got a pid within this many seconds is stale.
_START_S = 10.0

Report = Callable[[int, str], None]


def marker_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "head-starts"


def _marker(settings: Settings, spec: TreeSpec) -> Path:
    from components.state.store import key_hash
    from components.state.trees import tree_memo_key

    return marker_dir(settings) / key_hash(tree_memo_key(spec))


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: Any, born: Any = None) -> bool:
    """Whether process ``pid`` runs (and, given ``born``, is the one started then: a marker
    left by a server killed outright may name a pid the system has given to another process
    since, which nobody should wait for)."""
    import psutil

    try:
        proc = psutil.Process(int(pid))
        if born is not None and abs(proc.create_time() - float(born)) > 0.5:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, TypeError, ValueError):
        return False


def _born(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _running(info: dict[str, Any] | None) -> bool:
    """Whether the head start a marker names is still running."""
    return bool(info) and _alive(info.get("pid"), info.get("born"))


def _waiter_file(path: Path, pid: int) -> Path:
    return path.with_name(f"{path.name}.w{pid}")


def _waiters(path: Path) -> list[int]:
    out = []
    for w in path.parent.glob(path.name + ".w*"):
        try:
            out.append(int(w.name.rsplit(".w", 1)[1]))
        except ValueError:
            continue
    return out


def unadopted(settings: Settings) -> list[str]:
    """The clients of the head starts running that no job has adopted yet (for the caps)."""
    folder = marker_dir(settings)
    if not folder.is_dir():
        return []
    out = []
    for path in folder.iterdir():
        if ".w" in path.name or path.name.endswith(".tmp"):
            continue
        info = _read(path)
        if not _running(info):
            continue
        if not any(_alive(w) for w in _waiters(path)):
            out.append(str(info.get("client")))
    return out


def begin(settings: Settings, manager: Any, spec: TreeSpec, client: str,
          grace_s: float = GRACE_S, prepared: Prepared | None = None) -> int | None:
    """Start the linkage of ``spec`` in a job-server process; its pid, or None when there is no
    head start (not the local launcher, no room under the caps, one already running for this
    tree, or the process could not start: the job then computes the tree itself).

    ``prepared`` is ``load_prepared(spec)`` when the caller has it (the upload request has just
    prepared the table): it goes to the process with its arguments, so the linkage does not
    wait for the store to be written and read back (issue 14: 30-90 ms before the linkage).
    """
    from components.jobs import caps, launcher

    if settings.redis_url or getattr(manager, "start", None) != "launcher":
        return None
    path = _marker(settings, spec)
    if path.exists() and _running(_read(path)):
        return None  # another upload of the same table is being linked: its job waits for it
    if not caps.has_room(manager.handle, client, settings.max_jobs_per_client,
                         settings.max_jobs, extra=unadopted(settings)):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    # For the job's progress text: the job does not read the table again.
    rows = int(prepared.matrix.shape[0]) if prepared is not None else _rows(spec)
    _write(path, {"pid": None, "client": client, "t": time.time(), "n": rows})
    try:
        # Pickled here: the job server's pickler (dill's, in pure Python) takes ~220 ms over
        # the prepared table's DataFrame at 20,000 x 10, the standard one ~8 ms.
        handed = pickle.dumps(prepared, protocol=5) if prepared is not None else None
        pid = launcher.start_job(settings, _head_start_main,
                                 (spec.to_json(), str(path), float(grace_s), handed))
    except Exception:  # noqa: BLE001 - without a head start the job computes the tree itself
        log.warning("the upload's head start did not start", exc_info=True)
        path.unlink(missing_ok=True)
        return None
    _write(path, {"pid": int(pid), "born": _born(int(pid)), "client": client, "t": time.time(),
                  "n": rows})
    log.info("head start %d for an upload's tree", pid)
    return int(pid)


def _write(path: Path, info: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info))
    os.replace(tmp, path)


def wait_for(settings: Settings, spec: TreeSpec, report: Report) -> bool:
    """In a tree job: wait while a head start links ``spec``; True when it ended (the tree is
    then memoised, unless it died: the caller computes it either way through the store).
    False at once when there is no head start for this tree."""
    path = _marker(settings, spec)
    if not path.exists():
        return False
    me = _waiter_file(path, os.getpid())
    me.touch()
    told = False
    looks = 0
    try:
        while True:
            # The marker's going is the news, looked for every WAIT_POLL_S (a stat);
            # whether its process still runs costs ~190 us (psutil), so only every 20th look.
            looks += 1
            if path.exists() and looks % 20 != 1:
                time.sleep(WAIT_POLL_S)
                continue
            info = _read(path)
            if info is None:
                return True  # finished (or gone: the caller's memo computes it)
            pid = info.get("pid")
            if pid is None:
                if time.time() - float(info.get("t", 0)) > _START_S:
                    return True
            elif not _running(info):
                log.warning("head start %s ended without the tree; computing it here", pid)
                path.unlink(missing_ok=True)
                return True
            if not told:
                rows = int(info.get("n") or 0)  # not read again here: the linkage has the core
                report(20, f"{spec.method} linkage of {rows:,} rows ({spec.metric}), "
                           "started with the upload…")
                told = True
            time.sleep(WAIT_POLL_S)
    finally:
        me.unlink(missing_ok=True)


def _rows(spec: TreeSpec) -> int:
    from components.state.tables import load_prepared

    try:
        return int(load_prepared(spec).matrix.shape[0])  # the upload just stored it: one read
    except Exception:  # noqa: BLE001 - only the progress text
        return 0


def _head_start_main(params: dict[str, Any], marker: str, grace_s: float,
                     handed: bytes | None = None) -> None:
    """The head start's process (run by ``launcher._job_main`` in an app context)."""
    from components.state.tables import load_prepared
    from components.state.trees import load_tree, table_hierarchy
    from components.view import GOWER

    path = Path(marker)
    storing = threading.Event()
    threading.Thread(target=_watch, args=(path, grace_s, storing), daemon=True).start()

    def progress(fraction: float, _text: str) -> None:
        if fraction >= 1.0:
            storing.set()  # linked: from here on the tree is worth storing, waiter or not

    try:
        spec = TreeSpec.from_json(params)
        prepared = pickle.loads(handed) if handed is not None else None  # noqa: S301 - ours
        if spec.dataset.has_rows and spec.metric != GOWER:
            # Stored, not indexed: the job waiting for it reads Z alone (~20 ms sooner).
            spec.check()
            table_hierarchy(spec, prepared or load_prepared(spec), progress)
        else:
            load_tree(spec, progress=progress, prepared=prepared)
    except Exception as err:  # noqa: BLE001 - the job computes again and says what is wrong
        log.info("head start: %s", type(err).__name__)
    finally:
        path.unlink(missing_ok=True)
        for pid in _waiters(path):  # files left by waiters that were killed
            if not _alive(pid):
                _waiter_file(path, pid).unlink(missing_ok=True)


def _watch(path: Path, grace_s: float, storing: threading.Event) -> None:
    """Stop this process when nobody waits for it (see the module's docstring)."""
    t0 = time.monotonic()
    seen = False
    while not storing.wait(WATCH_POLL_S):
        if any(_alive(w) for w in _waiters(path)):
            seen = True
            continue
        if seen or time.monotonic() - t0 > grace_s:
            if storing.is_set():
                return
            log.info("head start %d stopped: %s", os.getpid(),
                     "its job is gone" if seen else "no job came for it")
            path.unlink(missing_ok=True)
            os._exit(0)

