#!/usr/bin/env python3
"""Checks that relative links in the repository's Markdown files resolve.

    python3 tools/docs/check_links.py            # every *.md under the repository root
    python3 tools/docs/check_links.py FILE...    # only these files

For each link, image or reference definition whose target has no URL scheme: the file or directory
must exist inside the repository, and a `#fragment` pointing into a Markdown file must name one of
its headings (GitHub's anchor rules) or an explicit `<a id|name="...">`. Links inside code spans
and fenced code blocks are ignored, as are external (http:, mailto:, ...) links.
Exit status 1 when any link is broken. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

SKIPPED_DIRS = {".git", "node_modules", "target", ".cache", "dist"}

FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
ATX_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
CODE_SPAN_RE = re.compile(r"(`+)(.+?)\1")
# `](target)` or `](<target> "title")`: the tail of an inline link or image.
INLINE_TARGET_RE = re.compile(r"\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REFERENCE_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HTML_LINK_RE = re.compile(r"<(?:a|img)\b[^>]*?\s(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)
HTML_ANCHOR_RE = re.compile(r"<a\b[^>]*?\s(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class BrokenLink:
    file: Path
    line: int
    target: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: broken link `{self.target}`: {self.reason}"


def prose_lines(text: str) -> list[str]:
    """The file's lines with fenced code blocks blanked and code spans removed.

    Line numbers stay those of the original file.
    """
    lines = []
    fence: str | None = None
    for line in text.splitlines():
        match = FENCE_RE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * len(match.group(1))
            lines.append("")
        elif fence is not None:
            if match and match.group(1).startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            lines.append("")
        else:
            lines.append(CODE_SPAN_RE.sub(lambda m: " " * len(m.group(0)), line))
    return lines


def heading_text_to_anchor(text: str) -> str:
    """GitHub's anchor for a heading: rendered text, lowercased, punctuation dropped, spaces to '-'."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images: alt text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: link text
    text = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", text)  # reference links
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = text.replace("`", "")
    text = re.sub(r"(\*\*|__|\*)(.+?)\1", r"\2", text)  # emphasis
    text = re.sub(r"(?<![\w])_(.+?)_(?![\w])", r"\1", text)
    anchor = []
    for char in text.strip().lower():
        if char in " -":
            anchor.append("-")
        elif char == "_" or unicodedata.category(char)[0] in "LN":
            anchor.append(char)
    return "".join(anchor)


@lru_cache(maxsize=None)
def anchors_of(path: Path) -> frozenset[str]:
    """Every fragment that links into `path` may use."""
    text = path.read_text(encoding="utf-8")
    original = text.splitlines()
    lines = prose_lines(text)
    anchors: set[str] = set()
    counts: dict[str, int] = {}

    def add_heading(heading: str) -> None:
        base = heading_text_to_anchor(heading)
        count = counts.get(base, 0)
        counts[base] = count + 1
        anchors.add(base if count == 0 else f"{base}-{count}")

    for index, line in enumerate(lines):
        anchors.update(match.group(1) for match in HTML_ANCHOR_RE.finditer(line))
        if not line.strip():
            continue
        atx = ATX_HEADING_RE.match(line)
        if atx:
            add_heading(original[index].strip().lstrip("#").rstrip("#").strip())
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        previous = lines[index - 1] if index > 0 else ""
        if (
            SETEXT_RE.match(following)
            and not SETEXT_RE.match(line)
            and not previous.strip()
            and not line.lstrip().startswith(("-", "*", "+", ">", "|"))
        ):
            add_heading(original[index].strip())
    return frozenset(anchors)


def link_targets(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every link, image and reference definition outside code."""
    targets = []
    for number, line in enumerate(prose_lines(text), start=1):
        found = [m.group(1) for m in INLINE_TARGET_RE.finditer(line)]
        found += [m.group(1) for m in HTML_LINK_RE.finditer(line)]
        reference = REFERENCE_DEF_RE.match(line)
        if reference:
            found.append(reference.group(1))
        for target in found:
            if target.startswith("<") and target.endswith(">"):
                target = target[1:-1]
            targets.append((number, target))
    return targets


def check_file(path: Path, root: Path) -> tuple[int, list[BrokenLink]]:
    """Number of relative links checked in `path`, and those that are broken."""
    broken = []
    checked = 0
    for line, target in link_targets(path.read_text(encoding="utf-8")):
        if not target or SCHEME_RE.match(target) or target.startswith("//"):
            continue
        checked += 1
        raw_path, _, fragment = target.partition("#")
        relative = unquote(raw_path.split("?", 1)[0])
        if not relative:
            resolved = path
        elif relative.startswith("/"):
            resolved = (root / relative.lstrip("/")).resolve()
        else:
            resolved = (path.parent / relative).resolve()
        display = path.relative_to(root) if path.is_relative_to(root) else path
        if not resolved.is_relative_to(root):
            broken.append(BrokenLink(display, line, target, "points outside the repository"))
            continue
        if not resolved.exists():
            broken.append(BrokenLink(display, line, target, f"{resolved.relative_to(root)} does not exist"))
            continue
        if fragment and resolved.is_file() and resolved.suffix.lower() == ".md":
            if unquote(fragment) not in anchors_of(resolved):
                reason = f"no heading or anchor `#{fragment}` in {resolved.relative_to(root)}"
                broken.append(BrokenLink(display, line, target, reason))
    return checked, broken


def markdown_files(root: Path) -> list[Path]:
    files = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS)
        files.extend(Path(directory) / name for name in sorted(names) if name.lower().endswith(".md"))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    files = [file.resolve() for file in args.files] or markdown_files(root)

    checked = 0
    broken: list[BrokenLink] = []
    for file in files:
        count, problems = check_file(file, root)
        checked += count
        broken.extend(problems)
    for problem in broken:
        print(problem, file=sys.stderr)
    print(f"links: {checked} relative links in {len(files)} Markdown files, {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
