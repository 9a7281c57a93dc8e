#!/usr/bin/env python3
"""Prints one closing line for `make check` from Meson's test logs: 'check: N passed, N failed'
(', N skipped' when any were). An expected failure that failed counts as passed."""
import json
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                result = json.loads(line).get("result")
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except FileNotFoundError:
        print(f"check: no test log at {path}", file=sys.stderr)
        failed += 1
print(f"check: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed or passed == 0 else 0)
