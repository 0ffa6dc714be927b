"""The folder an export owns, so that an export never deletes what hf-lineage did not write.

Ownership is a marker file, `.hf-lineage-export.json`, that lists every Parquet file exports
wrote there (paths relative to the folder). `claim` takes a new folder, an empty one or a
marked one, and refuses any other (`export --parquet .` in a project must not touch its
`models/`). The marker is replaced atomically each time files are added, so it lists every file
written even when an export is killed; deletion is limited to listed files that are still
regular Parquet files inside the folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hf_lineage.errors import ConfigError

MARKER = ".hf-lineage-export.json"
PARQUET_MAGIC = b"PAR1"
TEMPORARY = ".hf-lineage-export-"  # a marker being written (left behind only by a kill)


@dataclass
class ExportFolder:
    root: Path  # absolute, symlinks kept as the user gave them
    datasets: frozenset[str]  # the top-level directories an export writes
    files: list[str]  # every Parquet file of an export here, relative POSIX paths

    @classmethod
    def claim(cls, out_dir: str | Path, datasets: set[str]) -> ExportFolder:
        """The folder at `out_dir`, created if new, marked as an export's; ConfigError for a
        folder with other content."""
        root = Path(out_dir).absolute()
        marker = root / MARKER
        if root.exists() and not root.is_dir():
            raise ConfigError(f"refused: {out_dir} is not a folder")
        if marker.is_file() and not marker.is_symlink():
            files = _read_marker(marker)
        elif not root.exists() or not any(not p.name.startswith(TEMPORARY)
                                          for p in root.iterdir()):
            root.mkdir(parents=True, exist_ok=True)
            files = []
        else:
            raise ConfigError(f"refused: {out_dir} is not empty and holds no hf-lineage export "
                              f"(no {MARKER}); export into a new or empty folder (an export "
                              "never deletes what it did not write)")
        _refuse_links(root, datasets)
        folder = cls(root, frozenset(datasets), files)
        folder._save()
        return folder

    def record(self, written: list[str]) -> None:
        """Add files just written (absolute paths under the folder) to the marker."""
        self.files += [Path(os.path.relpath(path, self.root)).as_posix() for path in written]
        self._save()

    def forget(self, files: list[str]) -> None:
        """Delete these files of an earlier export, each only if it is still an export's
        Parquet file inside the folder, then directories they leave empty; unmark them."""
        for relative in files:
            path = self._owned(relative)
            if path is not None:
                path.unlink()
                self._prune(path.parent)
        gone = set(files)
        self.files = [f for f in self.files if f not in gone]
        self._save()

    def _owned(self, relative: str) -> Path | None:
        """The file at `relative` if deleting it can only delete export output."""
        parts = PurePosixPath(relative).parts
        if not parts or parts[0] not in self.datasets or ".." in parts or relative[0] == "/":
            return None
        path = self.root.joinpath(*parts)
        if path.suffix != ".parquet" or path.is_symlink() or not path.is_file():
            return None
        if not path.resolve().is_relative_to(self.root.resolve()):
            return None  # a dataset directory replaced by a symlink to elsewhere
        with path.open("rb") as handle:
            return path if handle.read(4) == PARQUET_MAGIC else None

    def _prune(self, directory: Path) -> None:
        """Remove empty directories from `directory` up to (not including) the folder."""
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:  # not empty: something else lives there
                return
            directory = directory.parent

    def _save(self) -> None:
        """Replace the marker atomically: a reader or a killed export sees old or new."""
        content = json.dumps({"written_by": "hf-lineage export", "files": self.files},
                             indent=1)
        fd, temporary = tempfile.mkstemp(prefix=TEMPORARY, dir=self.root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            os.replace(temporary, self.root / MARKER)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _refuse_links(root: Path, datasets: set[str]) -> None:
    """A symbolic link where an export writes (a dataset's folder or anything in it) would
    take its files elsewhere: refused, before anything is written."""
    for name in sorted(datasets):
        top = root / name
        links = [top] if top.is_symlink() else [
            Path(folder, entry) for folder, dirs, names in os.walk(top)
            for entry in dirs + names if Path(folder, entry).is_symlink()]
        if top.exists() and not top.is_dir() and not top.is_symlink():
            raise ConfigError(f"refused: {top} is not a folder; an export writes its "
                              f"{name} dataset there")
        if links:
            raise ConfigError(f"refused: {links[0]} is a symbolic link inside the export "
                              f"folder {root}; an export never writes through one")


def _read_marker(marker: Path) -> list[str]:
    try:
        files = json.loads(marker.read_text(encoding="utf-8"))["files"]
        if isinstance(files, list) and all(isinstance(f, str) for f in files):
            return files
    except (ValueError, KeyError, TypeError):
        pass
    raise ConfigError(f"refused: {marker} is not a readable hf-lineage export marker; export "
                      "into a new or empty folder")
