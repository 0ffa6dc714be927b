"""Screenshot an HTML report with headless Chromium, to see (and test) that its charts render.

    python -m analysis.screenshot report/report.html report/report.png

Used by the report test and by a make target; needs Debian's `chromium` (/usr/bin/chromium).
The flags keep Chromium off the network and out of the user's profile.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str | None:
    """The Chromium binary, if installed."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def screenshot(html_path: str | Path, png_path: str | Path, width: int = 1280,
               height: int = 2000, timeout_s: float = 120) -> Path:
    """Render `html_path` at width x height and write a PNG; raises if Chromium fails."""
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed (apt-get install -y chromium)")
    png = Path(png_path).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hf-lineage-chromium-") as profile:
        subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
             f"--window-size={width},{height}", Path(html_path).resolve().as_uri()],
            check=True, capture_output=True, timeout=timeout_s,
        )
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot to {png}")
    return png


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: python -m analysis.screenshot REPORT.html OUT.png [HEIGHT]", file=sys.stderr)
        return 2
    height = int(argv[2]) if len(argv) == 3 else 2000
    print(screenshot(argv[0], argv[1], height=height))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
