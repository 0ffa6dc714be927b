"""One clear line per failure of the analysis commands, with the exit code of hf_lineage.errors.

Unwritable folders, a full disk (simulated with RLIMIT_FSIZE, which fails writes past a size
as a full disk does, for Python and DuckDB alike, with no privileges needed), a reader that
closes the pipe, and garbage, truncated or corrupt database files.
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hf_lineage.cli import main
from hf_lineage.errors import StorageError

QUERY = "SELECT * FROM models"
FILE_LIMIT = 4096  # bytes a child may write to one file: far less than any full result


@pytest.fixture(scope="module")
def db(generated_db) -> Path:
    return generated_db(300, 7)  # read only: the damaged databases are copies


def hf_lineage(*args: object, file_limit: int | None = None, stdout=subprocess.DEVNULL,
               timeout: float = 120) -> subprocess.CompletedProcess:
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([sys.executable, "-m", "hf_lineage", *map(str, args)],
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=timeout,
                          preexec_fn=limit_file_size if file_limit else None)


def in_process(*args: object) -> subprocess.CompletedProcess:
    """The command run by click's test runner (faster where no process boundary matters)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def assert_one_line(result: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture()
def unwritable(tmp_path) -> Path:
    """A folder this process cannot write to: a read-only directory, or, for root (whom modes
    do not stop), sysfs, which refuses new files to everyone."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder
    return Path("/sys")


def test_unwritable_folder(db, unwritable):
    for fmt in ("csv", "json", "parquet", "table"):
        result = in_process("sql", QUERY, "--db", db, "--format", fmt,
                            "--out", unwritable / "out.file")
        assert_one_line(result, StorageError.exit_code, "cannot write", "out.file")
    assert_one_line(in_process("export", "--parquet", unwritable / "export", "--db", db),
                    StorageError.exit_code, "export")
    assert_one_line(in_process("report", "--out", unwritable / "report", "--db", db),
                    StorageError.exit_code, "report")


def test_full_disk(db, tmp_path):
    result = hf_lineage("sql", QUERY, "--db", db, "--format", "parquet",
                        "--out", tmp_path / "out.parquet", file_limit=FILE_LIMIT)
    assert_one_line(result, StorageError.exit_code, "cannot write", "out.parquet")
    export = hf_lineage("export", "--parquet", tmp_path / "export", "--db", db,
                        file_limit=FILE_LIMIT)
    assert_one_line(export, StorageError.exit_code, "export")
    report = hf_lineage("report", "--out", tmp_path / "report", "--db", db,
                        file_limit=FILE_LIMIT)
    assert_one_line(report, StorageError.exit_code, "report")


def test_full_device_and_full_stdout(db, tmp_path):
    """/dev/full fails every write with ENOSPC: as --out, and as stdout (where Python's own
    flush at exit must not add a second message)."""
    for fmt in ("csv", "json"):
        result = in_process("sql", QUERY, "--db", db, "--format", fmt, "--out", "/dev/full")
        assert_one_line(result, StorageError.exit_code, "No space left on device")
    with open("/dev/full", "w") as full:
        for fmt in ("csv", "table"):
            result = hf_lineage("sql", QUERY, "--db", db, "--format", fmt, stdout=full)
            assert_one_line(result, StorageError.exit_code, "stdout", "No space left")


def test_reader_closing_the_pipe_ends_quietly(db):
    proc = subprocess.Popen([sys.executable, "-m", "hf_lineage", "sql",
                             "SELECT * FROM range(100000000)", "--db", str(db), "--format",
                             "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"range\n"
    proc.stdout.close()  # as `| head -1` does
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""


def damaged_copies(db: Path, folder: Path) -> dict[str, Path]:
    """Garbage, an empty file, truncations at several points, and flipped bytes mid-file."""
    data = db.read_bytes()
    copies = {"garbage": bytes(range(256)) * 64, "empty": b""}
    for share in (0.05, 0.3, 0.6):
        copies[f"truncated at {share:.0%}"] = data[:int(len(data) * share)]
    corrupt = bytearray(data)
    for offset in range(len(data) // 3, len(data), 4096):
        corrupt[offset:offset + 64] = bytes(64)
    copies["corrupt"] = bytes(corrupt)
    paths = {}
    for name, content in copies.items():
        paths[name] = folder / f"{name.replace(' ', '-').replace('%', '')}.duckdb"
        paths[name].write_bytes(content)
    return paths


@pytest.mark.parametrize("command", [
    ("sql", "SELECT * FROM models, (SELECT count(*) FROM cards), (SELECT count(*) FROM edges)",
     "--format", "csv"),
    ("tree", "meta-llama/Llama-3.1-8B"),
    ("report", "--out", "{tmp}/report"),
    ("export", "--parquet", "{tmp}/export"),
])
def test_damaged_database(db, tmp_path, command):
    """Every damaged copy ends in exit 5 with one line (or, for a
    truncation past everything the command reads, in success with nothing on stderr)."""
    outcomes = {}
    for name, path in damaged_copies(db, tmp_path).items():
        args = [arg.format(tmp=tmp_path / name) for arg in command]
        result = in_process(*args, "--db", path)
        lines = result.stderr.strip().splitlines()
        assert (result.returncode, len(lines)) in {(0, 0), (StorageError.exit_code, 1)}, lines
        assert all(line.startswith("error: ") for line in lines), lines
        outcomes[name] = result.returncode
    assert outcomes["garbage"] == outcomes["empty"] == StorageError.exit_code
    assert outcomes["corrupt"] == StorageError.exit_code
    assert StorageError.exit_code in {outcomes[n] for n in outcomes if n.startswith("trunc")}
