"""A run that cannot finish says why and how to fix it, leaves the previous registry as it was
and no half-written file behind; files a killed run left are cleaned by the next."""

import errno
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from resolve.cli import main

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini" / "config.yaml"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("mini") / "out"
    result = invoke("run", MINI, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def _after_failed_run(out, monkeypatch, exc):
    before = (out / "registry.duckdb").read_bytes()

    def fail(self, path, **_options):
        Path(path).write_bytes(b"half")  # a part written before the device filled up
        raise exc

    monkeypatch.setattr("resolve.engine.Engine.persist", fail)
    result = invoke("run", MINI, "--out", out)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (out / "registry.duckdb").read_bytes() == before
    assert not list(out.glob(".*building*"))
    return result.output


def test_out_of_disk_is_an_error_with_the_fix(built, monkeypatch):
    message = _after_failed_run(built, monkeypatch, OSError(errno.ENOSPC, "No space left on device", "x.duckdb"))
    assert "Error: no space left on the device writing x.duckdb" in message and "previous registry is intact" in message


def test_a_folder_that_cannot_be_written_is_an_error_with_the_fix(built, monkeypatch):
    message = _after_failed_run(built, monkeypatch, PermissionError(errno.EACCES, "Permission denied", "x.duckdb"))
    assert "Error: cannot write x.duckdb" in message and "--out" in message


@contextmanager
def read_only(folder: Path):
    """``folder`` made read-only for real: by its mode for a user, by a read-only bind mount for
    root (whom modes do not stop)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("running as root without the right to mount: a read-only folder cannot be made here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True).returncode:
            pytest.skip("running as root without the right to remount read-only")
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_read_only_folder_is_an_error_and_the_registry_stays(tmp_path):
    out = tmp_path / "out"
    assert invoke("run", MINI, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with read_only(out):
        result = invoke("run", MINI, "--out", out)
    assert result.exit_code == 1 and "Traceback" not in result.output
    said = " ".join(result.output.split())
    assert "Error: cannot write" in said and "read-only file system" in said and "--out" in said
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_files_a_killed_run_left_are_removed(built):
    dead = 2**22 + 12345  # beyond any pid this system hands out
    leftovers = [built / f".registry.duckdb.building-{dead}", built / f".registry.duckdb.building-{dead}.wal",
                 built / f".person_model.json.building-{dead}"]
    for path in leftovers:
        path.write_bytes(b"x")
    alive = built / ".registry.duckdb.building-1"  # pid 1 runs: another run, still writing
    alive.write_bytes(b"x")
    assert invoke("run", MINI, "--out", built).exit_code == 0
    assert not any(p.exists() for p in leftovers) and alive.exists()
    alive.unlink()


def test_a_byte_that_is_not_utf8_in_an_argument_is_shown_not_raised(tmp_path):
    result = invoke("run", str(tmp_path / "\udcff.yaml"), "--out", tmp_path / "out")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "\\xff.yaml: config file not found" in result.output


def test_a_small_delivery_says_which_model_it_used_and_why(tmp_path):
    result = invoke("run", MINI, "--out", tmp_path / "out")
    assert result.exit_code == 0
    said = " ".join(result.output.split())  # as the terminal wrapped it
    assert "person model: starting values" in said and "fewer than link.min_training_records" in said
