"""`.ci/run`'s PostgreSQL fallback, for real: a throwaway cluster starts, answers, and goes."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CI_RUN = ROOT / ".ci" / "run"


def throwaway_unavailable() -> str | None:
    """Why this machine cannot start a throwaway cluster, or None when it can."""
    if shutil.which("bash") is None:
        return "bash is not installed"
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return "Debian's PostgreSQL server binaries are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the cluster"
        if shutil.which("runuser") is None:
            return "running as root and runuser is not installed"
    return None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


HARNESS = """
source "$1"
trap cleanup EXIT
unset CO3_TEST_POSTGRES_URL
ensure_postgres "$2"
pg_answers "$CO3_TEST_POSTGRES_URL" || { echo "started but does not answer" >&2; exit 3; }
printf '%s\\n%s\\n' "$CO3_TEST_POSTGRES_URL" "$pg_dir"
"""


@pytest.mark.skipif(throwaway_unavailable() is not None, reason=str(throwaway_unavailable()))
def test_throwaway_cluster_starts_answers_and_is_removed() -> None:
    nobody_home = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test"
    env = {k: v for k, v in os.environ.items() if k != "CO3_TEST_POSTGRES_URL"}
    result = subprocess.run(
        ["bash", "-c", HARNESS, "_", str(CI_RUN), nobody_home],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    url, pg_dir = result.stdout.splitlines()[-2:]
    assert url.startswith("postgresql+psycopg://postgres@127.0.0.1:") and url.endswith("/test")
    assert pg_dir.startswith("/tmp/co3-ci-pg.")
    assert not Path(pg_dir).exists(), "the cluster's folder outlived the script"
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=3):
        pass  # the server stopped with the script
