"""Tests of deploy_checks.py: the real deployment files pass, and each kind of breakage is caught.

Every broken case starts from a copy of the real file and changes one thing, so a test fails only
when the check it targets stops working.

    python3 -m unittest discover -s deploy/checks -p 'test_*.py'
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest
from pathlib import Path

import yaml

import deploy_checks as checks

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# The same document deploy/validate.sh checks against (its ENV_DOC variable).
ENV_DOC = ROOT / os.environ.get("ENV_DOC", "docs/configuration.md")


class TempDirTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="deploy-checks-"))
        self.addCleanup(shutil.rmtree, self.tmp)

    def write(self, relative: str, text: str) -> Path:
        path = self.tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def assertProblem(self, problems: list[str], fragment: str) -> None:
        self.assertTrue(
            any(fragment in problem for problem in problems),
            f"expected a problem mentioning {fragment!r}, got {problems!r}",
        )


class LiveKitConfigTest(TempDirTest):
    def test_real_livekit_yaml_passes(self) -> None:
        self.assertEqual(checks.check_livekit_config_file(DEPLOY / "livekit.yaml"), [])

    def test_misspelled_key_is_rejected(self) -> None:
        config = yaml.safe_load((DEPLOY / "livekit.yaml").read_text())
        config["rtc"]["udp_prot"] = 7882
        problems = checks.check_livekit_config(config, "livekit.yaml")
        self.assertProblem(problems, "rtc.udp_prot")

    def test_unknown_top_level_section_is_rejected(self) -> None:
        problems = checks.check_livekit_config({"port": 7880, "rooms": {"empty_timeout": 1}}, "x")
        self.assertProblem(problems, "rooms.empty_timeout")

    def test_list_items_are_checked(self) -> None:
        config = {"rtc": {"turn_servers": [{"host": "turn.example.edu", "passwd": "x"}]}}
        problems = checks.check_livekit_config(config, "x")
        self.assertProblem(problems, "rtc.turn_servers[].passwd")
        self.assertEqual(len(problems), 1)

    def test_api_keys_in_the_file_are_rejected(self) -> None:
        path = self.write("livekit.yaml", "port: 7880\nkeys:\n  k: s\n")
        self.assertProblem(checks.check_livekit_config_file(path), "LIVEKIT_KEYS")

    def test_empty_known_section_is_allowed(self) -> None:
        self.assertEqual(checks.check_livekit_config({"keys": {}, "redis": None}, "x"), [])


class HelmValuesTest(TempDirTest):
    def values(self) -> dict:
        return yaml.safe_load((DEPLOY / "livekit-helm" / "values.yaml").read_text())

    def check(self, values: dict) -> list[str]:
        return checks.check_livekit_helm_values(self.write("values.yaml", yaml.safe_dump(values)))

    def test_real_values_pass(self) -> None:
        self.assertEqual(checks.check_livekit_helm_values(DEPLOY / "livekit-helm" / "values.yaml"), [])

    def test_missing_redis_is_rejected(self) -> None:
        values = self.values()
        del values["livekit"]["redis"]
        self.assertProblem(self.check(values), "redis.address")

    def test_keys_in_configmap_are_rejected(self) -> None:
        values = self.values()
        values["livekit"]["keys"] = {"key": "secret"}
        self.assertProblem(self.check(values), "ConfigMap")

    def test_chart_only_keys_are_allowed_but_typos_are_not(self) -> None:
        values = self.values()
        values["livekit"]["turn"]["secretname"] = "x"
        problems = self.check(values)
        self.assertProblem(problems, "turn.secretname")
        self.assertEqual(len(problems), 1)


class ComposeTest(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        self.compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
        shutil.copy(DEPLOY / "livekit.yaml", self.tmp / "livekit.yaml")
        shutil.copy(DEPLOY / ".env.example", self.tmp / ".env.example")
        (self.tmp / "context").mkdir()
        (self.tmp / "context" / "Dockerfile").write_text("FROM scratch\n")
        self.compose["services"]["token-server"]["build"] = {"context": "context", "dockerfile": "Dockerfile"}

    def check(self) -> list[str]:
        path = self.write("docker-compose.yml", yaml.safe_dump(self.compose, sort_keys=False))
        return checks.check_compose(path, self.tmp / ".env.example")

    def test_real_compose_passes(self) -> None:
        self.assertEqual(checks.check_compose(DEPLOY / "docker-compose.yml", DEPLOY / ".env.example"), [])
        self.assertEqual(self.check(), [])

    def test_optional_secret_is_rejected(self) -> None:
        self.compose["services"]["token-server"]["environment"]["LIVEKIT_API_SECRET"] = "${LIVEKIT_API_SECRET:-}"
        self.assertProblem(self.check(), "LIVEKIT_API_SECRET must be")

    def test_start_order_without_health_is_rejected(self) -> None:
        self.compose["services"]["token-server"]["depends_on"] = {"livekit": {"condition": "service_started"}}
        self.assertProblem(self.check(), "service_healthy")

    def test_missing_udp_port_is_rejected(self) -> None:
        self.compose["services"]["livekit"]["ports"].remove("7882:7882/udp")
        self.assertProblem(self.check(), "7882:7882/udp")

    def test_unpinned_image_is_rejected(self) -> None:
        self.compose["services"]["livekit"]["image"] = "livekit/livekit-server:latest"
        self.assertProblem(self.check(), "vX.Y.Z")

    def test_development_mode_is_rejected(self) -> None:
        del self.compose["services"]["token-server"]["environment"]["APP_ENV"]
        self.assertProblem(self.check(), "must set APP_ENV")
        self.compose["services"]["token-server"]["environment"]["APP_ENV"] = "production"
        del self.compose["services"]["token-server"]["environment"]["TOKEN_SERVER_AUTH"]
        self.assertProblem(self.check(), "must set TOKEN_SERVER_AUTH")

    def test_missing_health_check_is_rejected(self) -> None:
        del self.compose["services"]["livekit"]["healthcheck"]
        self.assertProblem(self.check(), "needs a healthcheck")

    def test_variable_missing_from_env_example_is_rejected(self) -> None:
        self.compose["services"]["token-server"]["environment"]["RUST_LOG"] = "${LOG_FILTER:-info}"
        self.assertProblem(self.check(), "LOG_FILTER")


class KubernetesTest(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        self.kube = self.tmp / "kubernetes"
        shutil.copytree(DEPLOY / "kubernetes", self.kube)

    def edit(self, name: str, change) -> None:
        path = self.kube / name
        doc = yaml.safe_load(path.read_text())
        change(doc)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))

    @staticmethod
    def container(doc: dict) -> dict:
        return doc["spec"]["template"]["spec"]["containers"][0]

    def test_real_manifests_pass(self) -> None:
        self.assertEqual(checks.check_kubernetes(DEPLOY / "kubernetes"), [])

    def test_wrong_readiness_path_is_rejected(self) -> None:
        self.edit("deployment.yaml", lambda d: self.container(d)["readinessProbe"]["httpGet"].update(path="/healthz"))
        self.assertProblem(checks.check_kubernetes(self.kube), "readinessProbe must GET /readyz")

    def test_secret_name_mismatch_is_rejected(self) -> None:
        def rename(doc: dict) -> None:
            self.container(doc)["env"][1]["valueFrom"]["secretKeyRef"]["name"] = "livekit-creds"

        self.edit("deployment.yaml", rename)
        self.assertProblem(checks.check_kubernetes(self.kube), "livekit-creds")

    def test_secret_key_mismatch_is_rejected(self) -> None:
        def rekey(doc: dict) -> None:
            self.container(doc)["env"][1]["valueFrom"]["secretKeyRef"]["key"] = "api-secret"

        self.edit("deployment.yaml", rekey)
        self.assertProblem(checks.check_kubernetes(self.kube), "api-secret")

    def test_applying_the_example_secret_is_rejected(self) -> None:
        self.edit("kustomization.yaml", lambda d: d["resources"].append("secret.example.yaml"))
        self.assertProblem(checks.check_kubernetes(self.kube), "is an example")

    def test_unlisted_manifest_is_rejected(self) -> None:
        (self.kube / "ingress.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
        self.assertProblem(checks.check_kubernetes(self.kube), "ingress.yaml is neither listed")

    def test_service_selecting_nothing_is_rejected(self) -> None:
        self.edit("service.yaml", lambda d: d["spec"]["selector"].update({"app.kubernetes.io/name": "web"}))
        self.assertProblem(checks.check_kubernetes(self.kube), "Service selector")

    def test_writable_root_filesystem_is_rejected(self) -> None:
        self.edit(
            "deployment.yaml",
            lambda d: self.container(d)["securityContext"].update(readOnlyRootFilesystem=False),
        )
        self.assertProblem(checks.check_kubernetes(self.kube), "readOnlyRootFilesystem")

    def test_pdb_blocking_drains_is_rejected(self) -> None:
        self.edit("pdb.yaml", lambda d: d["spec"].update(minAvailable=2))
        self.assertProblem(checks.check_kubernetes(self.kube), "block every node drain")

    def test_secret_in_configmap_is_rejected(self) -> None:
        self.edit("configmap.yaml", lambda d: d["data"].update(LIVEKIT_API_SECRET="x" * 40))
        self.assertProblem(checks.check_kubernetes(self.kube), "must not be in a ConfigMap")


class EnvVarsTest(TempDirTest):
    def setUp(self) -> None:
        super().setUp()
        shutil.copytree(DEPLOY, self.tmp / "deploy", ignore=shutil.ignore_patterns(".env"))
        shutil.copy(ROOT / "Dockerfile", self.tmp / "Dockerfile")
        (self.tmp / "docs").mkdir()

    def doc_table(self, names: set[str]) -> Path:
        rows = "".join(f"| `{name}` | x |\n" for name in sorted(names))
        return self.write("docs/config.md", "| Variable | Default |\n|---|---|\n" + rows)

    def test_real_files_pass_against_the_documentation(self) -> None:
        self.assertEqual(checks.check_env_vars(ROOT, ENV_DOC), [])

    def test_undocumented_variable_is_rejected(self) -> None:
        doc = self.doc_table(checks.documented_env_vars(ENV_DOC) - {"RUST_LOG"})
        problems = checks.check_env_vars(self.tmp, doc)
        self.assertProblem(problems, "sets RUST_LOG")

    def test_unknown_livekit_variable_is_rejected(self) -> None:
        compose_path = self.tmp / "deploy" / "docker-compose.yml"
        compose = yaml.safe_load(compose_path.read_text())
        compose["services"]["livekit"]["environment"]["LIVEKIT_NODE_IP"] = "127.0.0.1"
        compose_path.write_text(yaml.safe_dump(compose))
        doc = self.doc_table(checks.documented_env_vars(ENV_DOC))
        self.assertProblem(checks.check_env_vars(self.tmp, doc), "livekit sets LIVEKIT_NODE_IP")

    def test_doc_without_a_table_is_rejected(self) -> None:
        doc = self.write("docs/config.md", "# Configuration\n\nNothing here.\n")
        self.assertProblem(checks.check_env_vars(self.tmp, doc), "no environment variables found")

    def test_table_formats(self) -> None:
        doc = self.write(
            "docs/config.md",
            "| Variable | Default |\n|---|---|\n| `HOST` | x |\n| PORT | 8080 |\n|`RUST_LOG`|info|\n",
        )
        self.assertEqual(checks.documented_env_vars(doc), {"HOST", "PORT", "RUST_LOG"})

    def test_dockerfile_env_of_last_stage_only(self) -> None:
        dockerfile = self.write(
            "Dockerfile",
            "FROM a AS build\nENV CARGO_HOME=/x\nFROM b\nENV HOST=0.0.0.0 \\\n    PORT=8080\nENV WEB_DIST_DIR /app\n",
        )
        self.assertEqual(checks.dockerfile_runtime_env(dockerfile), {"HOST", "PORT", "WEB_DIST_DIR"})


class VersionsTest(TempDirTest):
    def test_real_versions_agree(self) -> None:
        self.assertEqual(checks.check_versions(ROOT), [])

    def copy_tree(self) -> None:
        shutil.copytree(DEPLOY, self.tmp / "deploy", ignore=shutil.ignore_patterns(".env"))
        (self.tmp / "scripts").mkdir()
        shutil.copy(ROOT / "scripts" / "livekit.sh", self.tmp / "scripts" / "livekit.sh")
        shutil.copytree(ROOT / "docs", self.tmp / "docs")

    def pinned(self) -> str:
        return checks.LIVEKIT_SCRIPT_VERSION_RE.search((ROOT / "scripts" / "livekit.sh").read_text()).group(1)

    def test_the_copy_agrees(self) -> None:
        self.copy_tree()
        self.assertEqual(checks.check_versions(self.tmp), [])

    def test_diverging_helm_values_are_rejected(self) -> None:
        self.copy_tree()
        values_path = self.tmp / "deploy" / "livekit-helm" / "values.yaml"
        values_path.write_text(values_path.read_text().replace(f"tag: {self.pinned()}", "tag: v1.8.0"))
        self.assertProblem(checks.check_versions(self.tmp), "versions differ")

    def test_diverging_compose_image_is_rejected(self) -> None:
        self.copy_tree()
        compose = self.tmp / "deploy" / "docker-compose.yml"
        compose.write_text(compose.read_text().replace(f"livekit-server:{self.pinned()}", "livekit-server:v1.8.0"))
        self.assertProblem(checks.check_versions(self.tmp), "versions differ")

    def test_diverging_script_is_rejected(self) -> None:
        self.copy_tree()
        script = self.tmp / "scripts" / "livekit.sh"
        script.write_text(script.read_text().replace(f'LIVEKIT_VERSION="{self.pinned()}"', 'LIVEKIT_VERSION="v1.14.0"'))
        problems = checks.check_versions(self.tmp)
        self.assertProblem(problems, "versions differ")
        self.assertProblem(problems, "does not mention the pinned LiveKit version v1.14.0")

    def test_docs_that_forget_the_version_are_rejected(self) -> None:
        self.copy_tree()
        doc = self.tmp / "docs" / "development.md"
        doc.write_text(doc.read_text().replace(self.pinned(), "the pinned version"))
        self.assertProblem(checks.check_versions(self.tmp), "docs/development.md: does not mention")


class LiveKitTestConfigTest(TempDirTest):
    def test_the_committed_test_config_passes(self) -> None:
        self.assertEqual(checks.check_livekit_test_config(ROOT / "tests" / "livekit" / "livekit.yaml"), [])

    def test_unsafe_test_configs_are_rejected(self) -> None:
        base = (ROOT / "tests" / "livekit" / "livekit.yaml").read_text()
        cases = {
            "webhook: section": base + "\nwebhook:\n  api_key: oc-test-key\n",
            "bind_addresses must be": base.replace("  - 127.0.0.1\n", "  - 0.0.0.0\n", 1),
            "not on loopback": base.replace("127.0.0.1:3478", "stun.l.google.com:19302"),
            "not devkey": base.replace("oc-test-key:", "devkey:"),
            "not a documented LiveKit setting": base + "\nrtc_typo: 1\n",
        }
        for expected, text in cases.items():
            with self.subTest(expected):
                self.assertProblem(checks.check_livekit_test_config(self.write("livekit.yaml", text)), expected)


class YamlTest(TempDirTest):
    def test_broken_yaml_is_rejected(self) -> None:
        path = self.write("broken.yaml", "services:\n  a: [1, 2\n")
        self.assertProblem(checks.check_yaml([path]), "does not parse")


if __name__ == "__main__":
    unittest.main()
