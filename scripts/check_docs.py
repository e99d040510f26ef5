#!/usr/bin/python3
"""Docs embed marked regions of the examples rather than copies that drift.

A doc marks an embedded region with a comment line `<!-- snippet: examples/FILE.cpp#NAME -->`
right before a fenced code block; the example marks it between two `// [NAME]` lines. This
check fails if a block differs from its region (modulo the region's common indentation), or
if a marker points at nothing. It also fails if a relative link in a doc names a file that does
not exist, or an anchor (`page.md#heading`) that no heading of that page produces under
GitHub's rule (lower case, punctuation dropped, spaces to hyphens, repeats numbered).
Usage: check_docs.py REPO_ROOT
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
snippet_failures = len(failures)


def anchors(page):
    """The anchors GitHub gives the headings of a Markdown page (fenced code skipped)."""
    found, seen, fenced = set(), {}, False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not re.match(r"#{1,6} ", line):
            continue
        slug = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


link = re.compile(r"\]\(([^)\s]+)\)")
links_checked = 0
for doc in sorted(list(root.glob("docs/*.md")) + [root / "README.md"]):
    text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)
    for target in link.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        links_checked += 1
        path, _, anchor = target.partition("#")
        page = (doc.parent / path) if path else doc
        if not page.exists():
            failures.append(f"{doc}: link to {target}: no file {page}")
        elif anchor and page.suffix == ".md" and anchor not in anchors(page):
            failures.append(f"{doc}: link to {target}: {page.name} has no heading with anchor #{anchor}")
for f in failures:
    print(f)
print(f"{checked} snippets checked, {snippet_failures} differ; {links_checked} links checked, "
      f"{len(failures) - snippet_failures} broken")
sys.exit(1 if failures or checked == 0 or links_checked == 0 else 0)
