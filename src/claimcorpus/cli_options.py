"""Options every command shares (`claimcorpus ...` and `claimcorpus ls ...`): declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

RootOpt = Annotated[Optional[Path], typer.Option("--root", help="Repository root (default: found from the current "
                                                  "folder).")]
