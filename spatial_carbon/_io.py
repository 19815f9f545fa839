"""File I/O shared by the I/O layer: safe, atomic outputs and tolerant CSV reads.

Every rule about where spatial_carbon may write lives here, so each writer
(CSV, text, GeoPackage, figures, styles, weights, study folders) follows the
same ones:

* **Atomic.** An output is written to a temporary file beside it and moved
  into place with :func:`os.replace`; a failure never leaves a half-written
  file.  Inside :func:`transaction` (every CLI command and QGIS worker step)
  the outputs of one command are committed together: when a later output
  fails, the earlier ones are removed again (files that existed before are
  restored), so a failed command leaves no partial output.
* **Links and special files.** A symbolic link is written through to the
  regular file it names (the link stays a link).  A character device or FIFO
  (``/dev/null``, a named pipe) is written directly, never replaced; block
  devices and sockets are refused.  ``-`` means standard output.
* **Inputs are never outputs.** :func:`protect_inputs` registers the inputs
  of the running command; an output that is one of them (same path, a link to
  it, a hard link) is refused with :class:`~spatial_carbon.errors.OutputError`.
* **Clear errors.** A parent that is a file, a full disk (ENOSPC), a
  read-only file system (EROFS), a permission problem: one
  :class:`~spatial_carbon.errors.OutputError` naming the path and the fix.
* **Interruptions.** While outputs are written, SIGTERM (whose default action
  kills the process on the spot) and SIGINT remove the temporary files and
  folders and then end the process (:func:`cleanup_on_signals`).
* **Folders** (:func:`atomic_folder`, used by the study writer): assembled
  beside the destination and moved into place; an existing non-empty folder
  is replaced only with ``overwrite=True`` and only if spatial_carbon wrote
  it (its ``manifest.json`` says so and lists every file in it); a folder
  that holds, or lies inside, one of the run's inputs is never replaced.

GeoPackages are written with a fixed ``gpkg_contents.last_change``
(``OGR_CURRENT_DATE``; ``SOURCE_DATE_EPOCH`` if set), so the same inputs give
the same bytes.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import fnmatch
import hashlib
import io
import json
import os
import secrets
import shutil
import signal
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from .errors import InputError, OutputError, show

#: Encoding of every CSV we write: UTF-8 with BOM, so Excel shows Chinese names.
CSV_ENCODING = "utf-8-sig"
#: The output name meaning standard output.
STDOUT = "-"
#: Small file that marks a folder written by spatial_carbon and lists its files.
FOLDER_MARK = ".spatial_carbon.json"
#: The study manifest (older study folders are recognised by it).
FOLDER_MANIFEST = "manifest.json"
#: ``written_by`` value of the mark (and of the study manifest).
WRITTEN_BY = "spatial_carbon"


# ============================================================== error messages
_OS_FIXES = {
    errno.ENOSPC: "the disk is full; free some space or write to another disk",
    errno.EROFS: "the file system is read-only; choose a writable folder",
    errno.EACCES: "permission denied; choose a folder you may write to",
    errno.EPERM: "operation not permitted; choose a folder you may write to",
    errno.ENOTDIR: "a part of the path is a file, not a folder; choose another path",
    errno.EISDIR: "it is a folder; give a file name",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter path",
}
if hasattr(errno, "EDQUOT"):
    _OS_FIXES[errno.EDQUOT] = "the disk quota is exceeded; free some space or write elsewhere"


def output_error(exc: OSError, path) -> OutputError:
    """An :class:`OutputError` for an OS error met while writing ``path``."""
    fix = _OS_FIXES.get(exc.errno)
    code = errno.errorcode.get(exc.errno, "") if exc.errno else ""
    what = exc.strerror or str(exc)
    err = OutputError(
        f"cannot write {_name(path)}: {what}"
        + (f" ({code})" if code else "") + (f"; {fix}" if fix else "")
    )
    err.errno = exc.errno
    return err


def _name(path) -> str:
    return "standard output" if str(path) == STDOUT else str(path)


# ======================================================== inputs and outputs
_INPUTS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "spatial_carbon_inputs", default=())


def input_paths(values: Iterable) -> list[str]:
    """The existing files and folders among ``values`` (paths, ``FILE::LAYER``
    specs, bundled level names, ``None``...), as given."""
    out = []
    for v in values:
        if v is None or isinstance(v, bool):
            continue
        if isinstance(v, (list, tuple, set)):
            out.extend(input_paths(v))
            continue
        s = os.fspath(v) if isinstance(v, os.PathLike) else str(v)
        if s == STDOUT or not s:
            continue
        if "::" in s and not os.path.exists(s):
            s = s.split("::", 1)[0]
        if os.path.exists(s):
            out.append(s)
    return out


@contextlib.contextmanager
def protect_inputs(paths: Iterable) -> Iterator[None]:
    """While active, every output that is one of ``paths`` is refused."""
    token = _INPUTS.set(_INPUTS.get() + tuple(input_paths(paths)))
    try:
        yield
    finally:
        _INPUTS.reset(token)


def _same(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_not_input(path, inputs: Iterable | None = None) -> None:
    """Refuse ``path`` as an output if it is one of ``inputs`` (default: the
    inputs registered with :func:`protect_inputs`).

    Raises
    ------
    OutputError
        Naming the output and the input it would replace.
    """
    if str(path) == STDOUT:
        return
    ins = input_paths(inputs) if inputs is not None else list(_INPUTS.get())
    for i in ins:
        if os.path.isdir(i):
            continue
        if _same(os.fspath(path), i):
            raise OutputError(
                f"output {path} is also an input of this command ({i}); write the output to "
                "another file (spatial_carbon never replaces its inputs)"
            )


def check_distinct(paths: Iterable) -> None:
    """Refuse two outputs of one command that name the same file."""
    seen: list[str] = []
    for p in paths:
        if p is None or str(p) == STDOUT:
            continue
        for q in seen:
            if _same(os.fspath(p), q):
                raise OutputError(f"two outputs of this command name the same file ({q} and {p}); "
                                  "give each output its own name")
        seen.append(os.fspath(p))


@dataclass(frozen=True)
class Target:
    """Where an output goes: ``kind`` is ``"file"``, ``"special"`` or ``"stdout"``."""

    kind: str
    path: Path | None  # the regular file to replace, or the special file to write


def output_target(path) -> Target:
    """Resolve an output path: links to the file they name, special files, ``-``.

    Raises
    ------
    OutputError
        For a folder, a block device or socket, or a parent that is a file.
    """
    if str(path) == STDOUT:
        return Target("stdout", None)
    p = Path(path)
    try:
        st = os.stat(p)  # follows links
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        st = None
    except OSError as exc:
        raise output_error(exc, p) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"output {p} is a folder; give a file name (e.g. {p / 'out.csv'})")
        if stat.S_ISBLK(st.st_mode) or stat.S_ISSOCK(st.st_mode):
            kind = "block device" if stat.S_ISBLK(st.st_mode) else "socket"
            raise OutputError(f"output {p} is a {kind}; spatial_carbon writes only files, "
                              "character devices such as /dev/null and named pipes")
        if not stat.S_ISREG(st.st_mode):
            return Target("special", p)
    real = Path(os.path.realpath(p))
    _check_parent(real, p)
    return Target("file", real)


def _check_parent(real: Path, path) -> None:
    """The first existing ancestor of ``real`` must be a folder we may write in."""
    for parent in real.parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise OutputError(
                    f"cannot write {path}: {parent} is a file, not a folder; choose another path"
                )
            if not os.access(parent, os.W_OK | os.X_OK):
                try:
                    ro = bool(os.statvfs(parent).f_flag & os.ST_RDONLY)
                except (OSError, AttributeError):  # pragma: no cover - Windows
                    ro = False
                code = errno.EROFS if ro else errno.EACCES
                raise output_error(OSError(code, os.strerror(code)), path)
            return


def check_output(path) -> Target:
    """Check an output path before any computation (see :func:`output_target`,
    :func:`check_not_input`); return its target."""
    target = output_target(path)
    check_not_input(path)
    return target


# ================================================================ interruption
_TEMPS: dict[Path, None] = {}  # temporary files and folders being written (ordered set)
_HANDLER_PID: list[int] = []
_TERMINATED: list[int] = []  # the signal that ended the process, once received


def _remove(p: Path) -> None:
    try:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.lexists(p):
            p.unlink()
    except OSError:
        pass


def remove_temporaries() -> None:
    """Remove every temporary file and folder still being written."""
    for p in list(_TEMPS)[::-1]:
        _remove(p)
        _TEMPS.pop(p, None)


class Interrupted(SystemExit):
    """Raised by the signal handler of :func:`cleanup_on_signals` (exit 128 + signal)."""


def _on_signal(signum, frame):
    if not _HANDLER_PID or os.getpid() != _HANDLER_PID[-1]:
        # a forked child (process pool worker) inherited the handler: end it as
        # the default action would, without touching the parent's files
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    # no second interruption while unwinding: the cleanup must finish
    for s in _SIGNALS:
        try:
            signal.signal(s, signal.SIG_IGN)
        except (OSError, ValueError):
            pass
    _TERMINATED.append(signum)
    remove_temporaries()
    raise Interrupted(128 + signum)


def _check_terminated() -> None:
    """After a termination signal no new output is started (even if library
    code swallowed the :class:`Interrupted` exception)."""
    if _TERMINATED:
        raise Interrupted(128 + _TERMINATED[0])


_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n))


@contextlib.contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """While active, SIGTERM, SIGINT and SIGHUP remove the temporary outputs and
    end the process with exit status 128 + signal number.

    Installed only in the main thread and only over the default handlers (a
    program's own handlers are kept).  Nested uses are fine.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {}
    for s in _SIGNALS:
        cur = signal.getsignal(s)
        if cur in (signal.SIG_DFL, signal.default_int_handler):
            old[s] = cur
    _HANDLER_PID.append(os.getpid())
    try:
        for s in old:
            signal.signal(s, _on_signal)
        yield
    finally:
        for s, h in old.items():
            try:
                signal.signal(s, h)
            except (OSError, ValueError):  # pragma: no cover
                pass
        _HANDLER_PID.pop()


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Block interruptions during a few renames that must happen together."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


# =============================================================== transactions
@dataclass
class _Transaction:
    created: list[Path] = field(default_factory=list)
    replaced: list[tuple[Path, Path]] = field(default_factory=list)  # (target, backup)

    def mine(self, target: Path) -> bool:
        return target in self.created or any(t == target for t, _ in self.replaced)


_TX: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar(
    "spatial_carbon_transaction", default=None)


@contextlib.contextmanager
def transaction() -> Iterator[None]:
    """All outputs written inside stand or fall together.

    Each output is still moved into place as soon as it is complete (so a
    later step may read it); if the block fails, the outputs it created are
    removed and the files it replaced are restored.
    """
    if _TX.get() is not None:  # nested: the outer transaction decides
        yield
        return
    tx = _Transaction()
    token = _TX.set(tx)
    try:
        yield
    except BaseException:
        with _signals_deferred():
            for p in tx.created[::-1]:
                _remove(p)
            for target, backup in tx.replaced[::-1]:
                try:
                    os.replace(backup, target)
                except OSError:  # pragma: no cover - best effort
                    pass
                _TEMPS.pop(backup, None)
        raise
    else:
        for _, backup in tx.replaced:
            _remove(backup)
            _TEMPS.pop(backup, None)
    finally:
        _TX.reset(token)


def _hidden_name(folder: Path, name: str, suffix: str = "") -> Path:
    while True:
        p = folder / f".{name}.{secrets.token_hex(4)}{suffix}"
        if not os.path.lexists(p):
            return p


def _place(tmp: Path, target: Path) -> None:
    """Move a finished temporary file onto ``target`` (regular file or new)."""
    tx = _TX.get()
    with _signals_deferred():
        if tx is None or tx.mine(target):
            _keep_mode(target, tmp)
            os.replace(tmp, target)
            return
        if os.path.lexists(target):
            backup = _hidden_name(target.parent, target.name, ".bak")
            try:
                os.link(target, backup)
            except OSError:
                shutil.copy2(target, backup)
            _TEMPS[backup] = None
            _keep_mode(target, tmp)
            os.replace(tmp, target)
            tx.replaced.append((target, backup))
        else:
            os.replace(tmp, target)
            tx.created.append(target)


def _keep_mode(target: Path, tmp: Path) -> None:
    try:
        if target.is_file():
            shutil.copymode(target, tmp)
    except OSError:  # pragma: no cover - a file system without modes
        pass


def _mkdirs(folder: Path, path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot write {path}: a part of {folder} is a file, not a folder; "
                          "choose another path") from None
    except OSError as exc:
        raise output_error(exc, path) from None


# ===================================================================== files
@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path for the writer; put it in place on success.

    ``path`` may be a new file, an existing regular file (replaced), a link
    (the file it names is replaced), a character device or FIFO (written
    directly) or ``-`` (standard output).  On an exception the temporary file
    is removed and ``path`` is untouched; OS errors become
    :class:`~spatial_carbon.errors.OutputError`.
    """
    _check_terminated()
    target = check_output(path)
    if target.kind == "file":
        folder = target.path.parent
        _mkdirs(folder, path)
        name = target.path.name
    else:
        folder = Path(tempfile.gettempdir())
        name = "spatial_carbon-stdout" if target.kind == "stdout" else target.path.name
    sfx = suffix if suffix is not None else (Path(name).suffix if target.kind == "file" else "")
    tmp = None
    with cleanup_on_signals():
        try:
            fd, tmp_s = tempfile.mkstemp(prefix=f".{name}.", suffix=sfx, dir=folder)
            tmp = Path(tmp_s)
            _TEMPS[tmp] = None
            os.close(fd)
            os.unlink(tmp)  # writers such as GDAL want to create the file themselves
            yield tmp
            _check_terminated()
            if not tmp.exists():
                raise OutputError(f"nothing was written to {_name(path)}")
            if target.kind == "file":
                _place(tmp, target.path)
            else:
                _copy_out(tmp, target)
        except OutputError:
            raise
        except OSError as exc:
            raise output_error(exc, path) from None
        finally:
            if tmp is not None:
                _remove(tmp)
                _TEMPS.pop(tmp, None)


def _copy_out(tmp: Path, target: Target) -> None:
    with open(tmp, "rb") as src:
        if target.kind == "stdout":
            out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
            if out is None:  # a text stream (tests, notebooks)
                sys.stdout.write(src.read().decode("utf-8"))
                sys.stdout.flush()
                return
            try:
                shutil.copyfileobj(src, out)
                out.flush()
            except BrokenPipeError:
                # the reader went away (`... -o - | head`): end quietly, as Unix tools do
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, out.fileno())
                raise SystemExit(141) from None
        else:
            with open(target.path, "wb") as dst:
                shutil.copyfileobj(src, dst)


def write_csv(df: pd.DataFrame, path: str | os.PathLike, **kwargs) -> Path:
    """Write ``df`` as UTF-8-with-BOM CSV atomically (``-``: standard output); return the path."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, encoding=CSV_ENCODING, lineterminator="\n", **kwargs)
    return Path(path)


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write a text file (UTF-8) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


#: ``gpkg_contents.last_change`` of every GeoPackage we write (reproducible bytes).
GPKG_DATE = "2000-01-01T00:00:00.000Z"


def gpkg_date() -> str:
    """The fixed timestamp written into GeoPackages (``SOURCE_DATE_EPOCH`` if set)."""
    sde = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if sde.isdigit():
        import datetime as dt

        t = dt.datetime.fromtimestamp(int(sde), tz=dt.timezone.utc)
        return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return GPKG_DATE


@contextlib.contextmanager
def gdal_fixed_dates() -> Iterator[None]:
    """GDAL writes :func:`gpkg_date` instead of the wall clock into GeoPackages."""
    import pyogrio

    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": gpkg_date()})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def gdal_error(exc: Exception, path) -> OutputError:
    """An :class:`OutputError` for a GDAL (pyogrio) failure while writing ``path``."""
    text = str(exc)
    for code, words in ((errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only file system"),
                        (errno.EACCES, "Permission denied")):
        if words.lower() in text.lower():
            return output_error(OSError(code, os.strerror(code)), path)
    return OutputError(f"cannot write {_name(path)}: GDAL: {text.splitlines()[0] if text else exc}")


def write_gpkg(gdf, path: str | os.PathLike, layer: str) -> Path:
    """Write one GeoPackage layer atomically (the whole file is replaced)."""
    with atomic_path(path, suffix=".gpkg") as tmp:
        # GeoPackage 1.2: QGIS 3.22's GDAL 3.6 reads the wheels' default 1.4 with a warning
        try:
            with gdal_fixed_dates():
                gdf.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio",
                            dataset_options={"VERSION": "1.2"})
        except (OSError, InputError):
            raise
        except Exception as exc:  # pyogrio's DataSourceError etc. (not OSError)
            if type(exc).__module__.startswith("pyogrio"):
                raise gdal_error(exc, path) from None
            raise
    return Path(path)


def write_gpkg_layers(layers: dict, path: str | os.PathLike) -> Path:
    """Write several layers (``{name: GeoDataFrame}``) into one GeoPackage atomically."""
    with atomic_path(path, suffix=".gpkg") as tmp, gdal_fixed_dates():
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                        dataset_options={"VERSION": "1.2"})
    return Path(path)


# =================================================================== folders
def _json(path: Path) -> dict | None:
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) else None


def _folder_files(folder: Path) -> list[str]:
    """Every entry that is not a folder, relative, with '/' separators."""
    out = []
    for root, dirs, files in os.walk(folder):
        for d in list(dirs):
            if os.path.islink(os.path.join(root, d)):
                files.append(d)  # a link to a folder counts as a file (not followed)
                dirs.remove(d)
        for f in files:
            out.append(Path(os.path.relpath(os.path.join(root, f), folder)).as_posix())
    return sorted(out)


def _owned_files(folder: Path) -> set[str] | None:
    """The files spatial_carbon wrote into ``folder``, or None if it did not write it.

    The list is the folder's :data:`FOLDER_MARK`, written last by
    :func:`atomic_folder`; study folders written before the mark existed are
    recognised by their ``manifest.json`` (``spatial_carbon`` version and
    ``outputs`` list).
    """
    mark = _json(folder / FOLDER_MARK)
    if mark is not None and mark.get("written_by") == WRITTEN_BY and isinstance(mark.get("files"), list):
        return {str(x) for x in mark["files"]} | {FOLDER_MARK}
    m = _json(folder / FOLDER_MANIFEST)
    if m is not None and "spatial_carbon" in m and isinstance(m.get("outputs"), list):
        return {str(x) for x in m["outputs"]} | {FOLDER_MANIFEST}
    return None


def foreign_files(folder: Path, also: Iterable[str] = ()) -> list[str] | None:
    """Files in ``folder`` that spatial_carbon did not write.

    Returns ``None`` if spatial_carbon did not write the folder, else the
    files it holds beyond those listed when it was written, except those
    matching one of the ``also`` patterns (files other spatial_carbon
    commands add to such a folder, e.g. ``maps/*.pdf`` by ``figures``).
    """
    owned = _owned_files(folder)
    if owned is None:
        return None
    also = tuple(also)
    return [f for f in _folder_files(folder)
            if f not in owned and not any(fnmatch.fnmatchcase(f, pat) for pat in also)]


def check_ours(folder, *, command: str) -> Path:
    """Check that ``folder`` is a study output folder spatial_carbon wrote
    (``command``, e.g. ``report``, adds files to it); return it.

    Raises
    ------
    OutputError
        If ``folder`` is not empty and spatial_carbon did not write it (no
        :data:`FOLDER_MARK`, no study ``manifest.json``): its files could be
        replaced otherwise.  An empty folder holds nothing to lose.
    """
    p = Path(folder)
    try:
        empty = not os.listdir(p)
    except OSError as exc:
        raise output_error(exc, p) from None
    if not empty and _owned_files(p) is None:
        raise OutputError(
            f"{p} was not written by spatial_carbon (no {FOLDER_MARK} or study manifest.json), "
            f"and {command} writes into it; give a folder made by 'spatial-carbon run' or "
            "'spatial-carbon demo' (spatial_carbon never replaces files it did not write)"
        )
    return p


def _inside(child: str, parent: str) -> bool:
    c, p = os.path.realpath(child), os.path.realpath(parent)
    return c == p or c.startswith(p.rstrip(os.sep) + os.sep)


def check_folder(out_dir, *, overwrite: bool = False, inputs: Iterable = (),
                 also: Iterable[str] = ()) -> Path:
    """Check that ``out_dir`` may receive a new output folder; return it resolved.

    Raises
    ------
    OutputError
        If ``out_dir`` is a file; holds or lies inside one of ``inputs``; is
        a non-empty folder spatial_carbon did not write (or that holds files
        it did not write); or is an earlier output and ``overwrite`` is false.
    """
    p = Path(out_dir)
    real = Path(os.path.realpath(p))
    for i in input_paths(inputs):
        if _inside(i, real):
            raise OutputError(
                f"output folder {p} holds {i}, an input of this run; choose an output folder "
                "that holds none of the inputs (spatial_carbon never replaces its inputs)"
            )
        if os.path.isdir(i) and _inside(real, i):
            raise OutputError(
                f"output folder {p} is inside the input folder {i}; choose a folder outside it"
            )
    if os.path.lexists(p) and not real.is_dir():
        raise OutputError(f"output folder {p} is a file; give a folder name")
    _check_parent(real, p)
    if real.is_dir():
        try:
            entries = os.listdir(real)
        except OSError as exc:
            raise output_error(exc, p) from None
        if entries:
            foreign = foreign_files(real, also)
            if foreign is None:
                shown = show_list_names(sorted(entries))
                raise OutputError(
                    f"output folder {p} is not empty and was not written by spatial_carbon "
                    f"(it holds {shown}); choose a new or empty folder (spatial_carbon never "
                    "deletes files it did not write)"
                )
            if foreign:
                raise OutputError(
                    f"output folder {p} holds files spatial_carbon did not write "
                    f"({show_list_names(foreign)}); move them out or choose another folder"
                )
            if not overwrite:
                raise OutputError(
                    f"output folder {p} holds an earlier spatial_carbon output; pass --overwrite "
                    "(overwrite=True) to replace it, or choose another folder"
                )
    return real


def show_list_names(names: list[str], n: int = 5) -> str:
    """``a.docx, b.csv and 3 more`` (long names shortened)."""
    more = f" and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(x if len(x) <= 60 else x[:40] + "..." + x[-12:] for x in names[:n]) + more


def _mode_dir() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


@contextlib.contextmanager
def atomic_folder(out_dir, *, overwrite: bool = False, inputs: Iterable = (),
                  also: Iterable[str] = ()) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; move it into place on success.

    The caller writes everything into the yielded folder; then the mark
    :data:`FOLDER_MARK` listing every file is added (so a later
    ``overwrite=True`` knows what spatial_carbon wrote).  The rules of
    :func:`check_folder` are checked before and again just before the folder
    is moved into place; an earlier output is replaced only once the new
    folder is complete.  On failure or interruption the temporary folder is
    removed and ``out_dir`` untouched.
    """
    _check_terminated()
    real = check_folder(out_dir, overwrite=overwrite, inputs=inputs, also=also)
    _mkdirs(real.parent, out_dir)
    tmp = None
    tx_token = _TX.set(None)  # files inside the temporary folder need no transaction
    with cleanup_on_signals():
        try:
            tmp = _hidden_name(real.parent, real.name)
            _TEMPS[tmp] = None
            os.mkdir(tmp, _mode_dir())
            yield tmp
            _check_terminated()
            files = _folder_files(tmp) + [FOLDER_MARK]
            (tmp / FOLDER_MARK).write_text(json.dumps(
                {"written_by": WRITTEN_BY, "files": sorted(set(files))}, indent=0) + "\n",
                encoding="utf-8")
            check_folder(out_dir, overwrite=overwrite, inputs=inputs, also=also)
            with _signals_deferred():
                if real.is_dir() and os.listdir(real):
                    old = _hidden_name(real.parent, real.name, ".old")
                    _TEMPS[old] = None
                    os.replace(real, old)
                    os.replace(tmp, real)
                else:
                    old = None
                    if real.is_dir():
                        os.rmdir(real)
                    os.replace(tmp, real)
            if old is not None:
                _remove(old)
                _TEMPS.pop(old, None)
        except OutputError:
            raise
        except OSError as exc:
            raise output_error(exc, out_dir) from None
        finally:
            _TX.reset(tx_token)
            if tmp is not None:
                _remove(tmp)
                _TEMPS.pop(tmp, None)


# ===================================================================== reading
_GB2312_SAMPLE = 4000  # characters checked for a plausible GB18030 decoding


def decode_text(data: bytes, where) -> tuple[str, str]:
    """Decode a text file as users save it: UTF-8 (BOM or not) or GB18030.

    Returns ``(text, encoding)``.

    Raises
    ------
    InputError
        For UTF-16/UTF-32 (Excel's "Unicode text"), or bytes that are neither
        UTF-8 nor plausible GB18030 (e.g. Latin-1, which GB18030 decodes to
        rare CJK characters: ``'Béijíng'`` -> ``'B閕j飊g'``).
    """
    for bom, enc in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                     (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(bom):
            raise InputError(f"{where} is saved as {enc}; save it as UTF-8 "
                             "(Excel: Save As > CSV UTF-8; editors: Encoding > UTF-8)")
    if b"\x00" in data[:4096]:
        raise InputError(f"{where} holds NUL bytes: it looks like UTF-16 or a binary file, "
                         "not text; save it as UTF-8 text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(f"{where} is neither UTF-8 nor GB18030 text; save it as UTF-8") from None
    rare = _rare_cjk(text)
    if rare is not None:
        raise InputError(
            f"{where} is not UTF-8 and reads as GB18030 only with unusual characters "
            f"(e.g. {show(rare)}): it is probably Latin-1/Windows-1252; save it as UTF-8"
        )
    return text, "gb18030"


def _rare_cjk(text: str) -> str | None:
    """A sample word if most non-ASCII characters are outside GB2312 (the common
    simplified characters of real GBK/GB18030 files), else None."""
    chars = [c for c in text[: _GB2312_SAMPLE * 4] if ord(c) > 127][:_GB2312_SAMPLE]
    if not chars:
        return None
    rare = []
    for c in chars:
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            rare.append(c)
    if len(rare) * 2 < len(chars):
        return None
    c = rare[0]
    i = text.index(c)
    a = i
    while a > 0 and not text[a - 1].isspace() and text[a - 1] not in ",;\t\"'" and i - a < 20:
        a -= 1
    b = i
    while b < len(text) and not text[b].isspace() and text[b] not in ",;\t\"'" and b - i < 20:
        b += 1
    return text[a:b]


def read_text(path: str | os.PathLike, *, where: str | None = None) -> str:
    """Read a text file (UTF-8 or plausible GB18030, see :func:`decode_text`)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file not found: {p}") from None
    except IsADirectoryError:
        raise InputError(f"{p} is a folder; give a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    return decode_text(data, where or p)[0]


def read_csv(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """Read a CSV as users save it: UTF-8 (with or without BOM) or GBK/GB18030.

    Lines starting with ``#`` are comments.  Excel in Chinese locales saves
    CSV as GB18030; we try UTF-8 first and fall back, refusing implausible
    GB18030 decodings (see :func:`decode_text`).

    Raises
    ------
    InputError
        If the file does not exist, is empty, is not decodable, or is not
        well-formed CSV (ragged rows, an unterminated quote).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}" if not path.exists()
                         else f"{path} is not a regular file; give a CSV file")
    kwargs.setdefault("comment", "#")
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path} is empty; give a CSV with a header row and data rows")
    try:
        return pd.read_csv(io.StringIO(text), **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} has no columns (only comments or blank lines); give a CSV "
                         "with a header row") from None
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else "malformed"
        raise InputError(
            f"{path} is not well-formed CSV ({msg}); check that every row has as many fields "
            "as the header and that every quote is closed"
        ) from None
    except (ValueError, IndexError) as exc:  # e.g. header rows that do not match index_col
        raise InputError(f"{path} cannot be read as the expected CSV layout: {exc}") from None


def sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file (for the run manifest)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


#: Fixed timestamp of metadata references, so the same inputs give the same file.
_FIXED_TIMESTAMP = "1970-01-01T00:00:00.000Z"


def write_gpkg_metadata(path: str | os.PathLike, layer: str, dataset: tuple[str, str, str],
                        columns: dict[str, str]) -> Path:
    """Store metadata of a layer and its columns in a GeoPackage (metadata extension).

    Parameters
    ----------
    path : path
        An existing GeoPackage holding ``layer``; rewritten through a
        temporary copy (a failure leaves it unchanged).
    layer : str
        Table the metadata describes.
    dataset : (mime_type, md_standard_uri, text)
        Metadata of the layer (``md_scope`` dataset, reference scope
        ``table``), e.g. a QGIS metadata document (``text/xml``,
        ``http://mrcc.com/qgis.dtd``), which QGIS shows under Layer
        Properties > Metadata.
    columns : dict of str -> str
        Column -> plain text (reference scope ``column``).

    Returns
    -------
    pathlib.Path
        ``path``.  Earlier metadata of ``layer`` written by this function is
        replaced; timestamps are fixed.

    Notes
    -----
    Tables ``gpkg_metadata`` and ``gpkg_metadata_reference`` as in the OGC
    GeoPackage 1.2 specification (clause F.8, "Metadata"), registered in
    ``gpkg_extensions`` as ``gpkg_metadata``.
    """
    import shutil
    import sqlite3

    path = Path(path)
    if not path.is_file():
        raise InputError(f"GeoPackage not found: {path}")
    with atomic_path(path, suffix=".gpkg") as tmp:
        shutil.copyfile(path, tmp)
        con = sqlite3.connect(tmp)
        try:
            cur = con.cursor()
            if cur.execute("SELECT count(*) FROM gpkg_contents WHERE table_name = ?",
                           (layer,)).fetchone()[0] == 0:
                raise InputError(f"{path} has no layer {layer!r}")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY "
                "KEY ASC NOT NULL, md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT "
                "NOT NULL, mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL "
                "DEFAULT '')")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT "
                "NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER, timestamp "
                "DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), md_file_id "
                "INTEGER NOT NULL, md_parent_id INTEGER, CONSTRAINT crmr_mfi_fk FOREIGN KEY "
                "(md_file_id) REFERENCES gpkg_metadata(id), CONSTRAINT crmr_mpi_fk FOREIGN KEY "
                "(md_parent_id) REFERENCES gpkg_metadata(id))")
            for t in ("gpkg_metadata", "gpkg_metadata_reference"):
                if cur.execute("SELECT count(*) FROM gpkg_extensions WHERE table_name = ? AND "
                               "extension_name = 'gpkg_metadata'", (t,)).fetchone()[0] == 0:
                    cur.execute("INSERT INTO gpkg_extensions (table_name, column_name, "
                                "extension_name, definition, scope) VALUES (?, NULL, "
                                "'gpkg_metadata', 'http://www.geopackage.org/spec121/"
                                "#extension_metadata', 'read-write')", (t,))
            old = [r[0] for r in cur.execute(
                "SELECT md_file_id FROM gpkg_metadata_reference WHERE table_name = ?", (layer,))]
            cur.execute("DELETE FROM gpkg_metadata_reference WHERE table_name = ?", (layer,))
            cur.executemany("DELETE FROM gpkg_metadata WHERE id = ?", [(i,) for i in old])
            mime, uri, text = dataset
            cur.execute("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, "
                        "metadata) VALUES ('dataset', ?, ?, ?)", (uri, mime, text))
            parent = cur.lastrowid
            cur.execute("INSERT INTO gpkg_metadata_reference (reference_scope, table_name, "
                        "column_name, row_id_value, timestamp, md_file_id, md_parent_id) VALUES "
                        "('table', ?, NULL, NULL, ?, ?, NULL)", (layer, _FIXED_TIMESTAMP, parent))
            for col, txt in columns.items():
                cur.execute("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, "
                            "metadata) VALUES ('attributeType', 'http://www.isotc211.org/2005/gmd"
                            "', 'text/plain', ?)", (txt,))
                cur.execute("INSERT INTO gpkg_metadata_reference (reference_scope, table_name, "
                            "column_name, row_id_value, timestamp, md_file_id, md_parent_id) "
                            "VALUES ('column', ?, ?, NULL, ?, ?, ?)",
                            (layer, col, _FIXED_TIMESTAMP, cur.lastrowid, parent))
            con.commit()
        finally:
            con.close()
    return path
