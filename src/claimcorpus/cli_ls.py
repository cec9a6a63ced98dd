"""`claimcorpus ls ...`: Label Studio config, task export/import and live push/pull (see labelstudio/)."""

from __future__ import annotations

import typer

ls_app = typer.Typer(help="Label Studio: generated config, task export/import, push/pull to a live server.",
                     no_args_is_help=True)
