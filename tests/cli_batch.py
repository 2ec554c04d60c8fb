"""Several `flask --app app` commands in one process, one after the other: a test's set-up.

    python -m tests.cli_batch RESULTS COMMANDS

COMMANDS is a JSON list of argument lists (`[["db", "upgrade"], ["orgs", "create", "Acme"]]`).
The app is the one `flask --app app` loads, from the same environment; each command runs as
the CLI runs it. RESULTS (a file) gets a JSON list of {"code", "stdout", "stderr"}, one per
command run: the batch stops at the first command that fails. Starting Python and the app once
instead of once per command saves a second or more for each command.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path


def main(results_path: str, commands_json: str) -> int:
    from app import app

    runner = app.test_cli_runner()
    results = []
    for args in json.loads(commands_json):
        result = runner.invoke(args=args)
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(result.exception))
        results.append({"code": result.exit_code, "stdout": result.stdout, "stderr": stderr})
        if result.exit_code != 0:
            break
    Path(results_path).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
