"""Peak memory of a piece of code, measured in a fresh Python process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

_PRELUDE = """
import json, os, sys

def _rss(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)

def _reset_peak():
    # Linux: writing 5 resets the process's peak RSS (VmHWM) to its current RSS
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
"""

_MEASURE = """
_reset_peak()
_before = _rss("VmRSS")
_result = run()
print(json.dumps({"growth": _rss("VmHWM") - _before, "result": _result}))
"""


def peak_growth(setup: str, timeout: float = 240) -> tuple[int, object]:
    """Run `setup` (which defines `run()`, imports done), then `run()` in a fresh process.

    Returns the peak RSS growth in bytes during `run()` and what `run()` returned (JSON).
    """
    code = _PRELUDE + textwrap.dedent(setup) + _MEASURE
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise AssertionError(f"the measured process failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return int(out["growth"]), out["result"]
