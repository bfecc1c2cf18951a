"""Tests of check_links.py on small Markdown trees built in a temporary directory.

    python3 -m unittest discover -s tools/docs -p 'test_*.py'
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

import check_links

SCRIPT = Path(__file__).resolve().parent / "check_links.py"


class LinkCheckTest(unittest.TestCase):
    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="check-links-")).resolve()
        self.addCleanup(shutil.rmtree, self.root)
        check_links.anchors_of.cache_clear()
        self.write(
            "docs/guide.md",
            """
            # Deployment guide

            ## Role-to-permission table

            ## Production checklist: TLS, TURN & `nbf`/`exp`

            ## Setup

            ## Setup

            Kubernetes & Helm
            -----------------

            <a id="custom-anchor"></a>
            """,
        )
        self.write("deploy/docker-compose.yml", "services: {}\n")

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    def broken(self, markdown: str, name: str = "README.md") -> list[str]:
        path = self.write(name, markdown)
        _, problems = check_links.check_file(path, self.root)
        return [problem.target for problem in problems]

    # --- links that resolve -------------------------------------------------------------------

    def test_relative_links_to_files_and_directories_resolve(self) -> None:
        markdown = """
            See [the guide](docs/guide.md), [the compose file](deploy/docker-compose.yml),
            [the docs folder](docs/) and ![a file as image](deploy/docker-compose.yml "title").
            """
        self.assertEqual(self.broken(markdown), [])

    def test_anchors_follow_github_rules(self) -> None:
        markdown = """
            [a](docs/guide.md#deployment-guide) [b](docs/guide.md#role-to-permission-table)
            [c](docs/guide.md#production-checklist-tls-turn--nbfexp) [d](docs/guide.md#setup)
            [e](docs/guide.md#setup-1) [f](docs/guide.md#kubernetes--helm)
            [g](docs/guide.md#custom-anchor)
            """
        self.assertEqual(self.broken(markdown), [])

    def test_same_file_anchor_resolves(self) -> None:
        self.assertEqual(self.broken("# Title\n\n## Next step\n\nGo to [next](#next-step).\n"), [])

    def test_links_from_a_subdirectory_and_root_relative_links_resolve(self) -> None:
        markdown = "[up](../../deploy/docker-compose.yml) [root](/docs/guide.md#setup)\n"
        self.assertEqual(self.broken(markdown, "docs/providers/readme.md"), [])

    def test_external_links_and_code_are_ignored(self) -> None:
        markdown = """
            [site](https://docs.livekit.io/missing) <https://example.edu> [mail](mailto:a@example.edu)
            Inline `[not a link](missing.md)` stays code.

            ```markdown
            [also not a link](missing.md)
            ```
            """
        self.assertEqual(self.broken(markdown), [])

    # --- links that are broken ----------------------------------------------------------------

    def test_missing_file_is_broken(self) -> None:
        self.assertEqual(self.broken("Read [the plan](docs/migration-plan.md).\n"), ["docs/migration-plan.md"])

    def test_missing_anchor_is_broken(self) -> None:
        self.assertEqual(self.broken("[x](docs/guide.md#scale-out)\n"), ["docs/guide.md#scale-out"])

    def test_missing_same_file_anchor_is_broken(self) -> None:
        self.assertEqual(self.broken("# Title\n\n[x](#titel)\n"), ["#titel"])

    def test_broken_reference_definition_and_image_are_broken(self) -> None:
        markdown = """
            ![diagram](docs/diagram.png) and [the guide][guide].

            [guide]: docs/gide.md
            """
        self.assertEqual(self.broken(markdown), ["docs/diagram.png", "docs/gide.md"])

    def test_link_outside_the_repository_is_broken(self) -> None:
        self.assertEqual(self.broken("[x](../../etc/hosts)\n", "docs/a.md"), ["../../etc/hosts"])

    def test_line_numbers_are_reported(self) -> None:
        path = self.write("README.md", "# T\n\n```\n[x](nope.md)\n```\n\n[y](gone.md)\n")
        _, problems = check_links.check_file(path, self.root)
        self.assertEqual([(p.line, p.target) for p in problems], [(7, "gone.md")])

    # --- command line ---------------------------------------------------------------------------

    def run_cli(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), "--root", str(self.root)],
            capture_output=True,
            text=True,
            check=False,
        )

    def test_cli_passes_on_a_clean_tree(self) -> None:
        self.write("README.md", "[guide](docs/guide.md#setup)\n")
        result = self.run_cli()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("0 broken", result.stdout)

    def test_cli_fails_on_a_broken_link(self) -> None:
        self.write("README.md", "[guide](docs/guide.md#nowhere)\n")
        result = self.run_cli()
        self.assertEqual(result.returncode, 1)
        self.assertIn("README.md:1: broken link `docs/guide.md#nowhere`", result.stderr)
        self.assertIn("1 broken", result.stdout)

    def test_cli_skips_node_modules(self) -> None:
        self.write("README.md", "[guide](docs/guide.md)\n")
        self.write("node_modules/pkg/README.md", "[x](missing.md)\n")
        self.assertEqual(self.run_cli().returncode, 0)


if __name__ == "__main__":
    unittest.main()
