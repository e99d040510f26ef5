#!/usr/bin/python3
"""Docs embed marked regions of the examples rather than copies that drift.

A doc marks an embedded region with a comment line `<!-- snippet: examples/FILE.cpp#NAME -->`
right before a fenced code block; the example marks it between two `// [NAME]` lines. This
check fails if a block differs from its region (modulo the region's common indentation), or
if a marker points at nothing. Usage: check_docs.py REPO_ROOT
"""
import pathlib
import re
import sys
import textwrap

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
marker = re.compile(r"<!-- snippet: (\S+)#(\S+) -->\n```\w*\n(.*?)```", re.S)
failures, checked = [], 0
for doc in sorted(list(root.glob("docs/*.md")) + [root / "README.md"]):
    for path, name, block in marker.findall(doc.read_text()):
        checked += 1
        source = (root / path).read_text() if (root / path).exists() else ""
        parts = source.split(f"// [{name}]\n")
        if len(parts) != 3:
            failures.append(f"{doc}: {path} has no region [{name}]")
            continue
        region = textwrap.dedent(parts[1].rstrip(" "))
        if region.strip() != block.strip():
            failures.append(f"{doc}: the block for {path}#{name} differs from the example:\n{region}")
for f in failures:
    print(f)
print(f"{checked} snippets checked, {len(failures)} differ")
sys.exit(1 if failures or checked == 0 else 0)
