#!/usr/bin/env python3
"""Fails when SECURITY.md names a test that does not exist.

SECURITY.md says which test checks each property. Rust tests are named
`module::test` (a file of server/tests/api/, or `path::tests::test` for a
unit test in domain/src or server/src); Playwright tests `file.spec › title`.
Names with `…` or `*` stand for several tests and are checked by their
fixed part only.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "SECURITY.md").read_text()
rust_sources = {p: p.read_text() for d in ("server", "domain") for p in (root / d).rglob("*.rs")}
missing = []
checked = 0

for name in re.findall(r"`([A-Za-z_0-9]+(?:::[A-Za-z_0-9…*]+)+)`", text):
    if name == "file::test":  # the legend's example
        continue
    parts = name.split("::")
    # `a::b::tests::t` is a unit test in b.rs; `m::t` a test in m.rs.
    module = parts[-3] if len(parts) >= 3 and parts[-2] == "tests" else parts[0]
    test = parts[-1]
    if test in ("…",) or test.endswith("…"):
        test = test.rstrip("…")
    prefix = test.endswith("*")
    test = test.rstrip("*")
    files = [p for p in rust_sources if p.stem == module]
    pattern = rf"fn {re.escape(test)}" + ("" if prefix else r"\b")
    checked += 1
    if not any(re.search(pattern, rust_sources[p]) for p in files):
        missing.append(name)

for spec, title in re.findall(r"`([a-z-]+)\.spec › ([^`]+)`", text):
    path = root / "end2end" / "tests" / f"{spec}.spec.ts"
    fixed = title.split("…")[0].strip()
    checked += 1
    if not path.exists() or fixed not in path.read_text():
        missing.append(f"{spec}.spec › {title}")

if missing:
    print("SECURITY.md names tests that do not exist:")
    for name in missing:
        print(f"  {name}")
    sys.exit(1)
print(f"SECURITY.md: all {checked} named tests exist")
