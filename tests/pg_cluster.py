"""A throwaway PostgreSQL cluster for the tests (standard library only).

The PostgreSQL tests use the server named by ``PLAN161_TEST_PG`` (a libpq URL), or else start
one of these, in a temporary folder, listening only on a socket in that folder, and stop it at
the end. ``.ci/run`` starts one the same way from the shell::

    python3 tests/pg_cluster.py start DIR    # prints the URL of the cluster in DIR
    python3 tests/pg_cluster.py stop DIR

As root, the cluster runs as the ``postgres`` user (``initdb`` refuses root), through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

HOW_TO = (
    "PostgreSQL tests need a server: install PostgreSQL's binaries (Debian: apt-get install "
    "postgresql) so that the tests start a throwaway cluster themselves, or set PLAN161_TEST_PG "
    "to a server's URL (postgresql://user@host:port/dbname, a user that may create schemas)"
)
"""What to do when no PostgreSQL server can be had."""


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``, if PostgreSQL is installed."""
    for name in ("initdb", "pg_ctl"):
        if shutil.which(name) is None:
            break
    else:
        return Path(shutil.which("pg_ctl") or "").resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_owner(command: list[str]) -> list[str]:
    """``command`` run as ``postgres`` when this process is root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start(folder: Path) -> str:
    """Create and start a cluster in ``folder`` (made if missing); return its URL.

    Raises:
        RuntimeError: PostgreSQL is not installed, or the cluster did not start (with its log).
    """
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(HOW_TO)
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, log = folder / "data", folder / "log"
    subprocess.run(
        _as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c fsync=off"
    done = subprocess.run(
        _as_owner(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
        ),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        text = log.read_text() if log.exists() else done.stderr
        raise RuntimeError(f"the throwaway PostgreSQL cluster did not start:\n{text}")
    return f"postgresql://postgres@/postgres?host={folder}"


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder`` (if it runs) and remove the folder."""
    bin_dir = binaries()
    if bin_dir is not None and (folder / "data" / "postmaster.pid").exists():
        subprocess.run(
            _as_owner([str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "stop"]),
            capture_output=True,
        )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: python3 tests/pg_cluster.py start|stop DIR")
    if sys.argv[1] == "start":
        try:
            print(start(Path(sys.argv[2]).resolve()))
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            sys.exit(str(exc))
    else:
        stop(Path(sys.argv[2]).resolve())
