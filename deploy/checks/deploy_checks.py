#!/usr/bin/env python3
"""Structural checks of the deployment files that no off-the-shelf validator covers.

Each check is a function returning a list of problems (empty when the files are consistent), so
the tests in test_deploy_checks.py can run them on broken fixtures. deploy/validate.sh runs them
through the command line:

    deploy_checks.py yaml FILE...                 every document of every file parses
    deploy_checks.py livekit-config FILE          keys are documented LiveKit settings
    deploy_checks.py livekit-helm-values FILE     the same for the `livekit:` block of Helm values
    deploy_checks.py compose FILE                 the Compose stack is wired as documented
    deploy_checks.py kubernetes DIR               manifests, probes, Secret references agree
    deploy_checks.py env-vars --doc DOC ROOT      every variable we set is one the server documents
    deploy_checks.py versions ROOT                one LiveKit version everywhere (scripts/livekit.sh)
    deploy_checks.py livekit-test-config FILE     the test suite's LiveKit config: loopback only
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Iterable

import yaml

HERE = Path(__file__).resolve().parent
ALLOWED_KEYS_FILE = HERE / "livekit-config-keys.txt"

# Chart-only keys the LiveKit Helm chart reads from its `livekit:` block (livekit-helm,
# livekit-server/values.yaml and templates/deployment.yaml).
HELM_ONLY_KEYS = ("turn.secretName", "turn.loadBalancerAnnotations.*")

# Environment variables livekit-server reads (flags in cmd/server/main.go of livekit/livekit).
LIVEKIT_SERVER_ENV = frozenset(
    {
        "LIVEKIT_CONFIG",
        "LIVEKIT_KEYS",
        "LIVEKIT_REGION",
        "NODE_IP",
        "UDP_PORT",
        "REDIS_HOST",
        "REDIS_PASSWORD",
        "LIVEKIT_TURN_CERT",
        "LIVEKIT_TURN_KEY",
        # One of the variables config.GenerateCLIFlags (pkg/config) derives from scalar settings,
        # LIVEKIT_<SETTING> with dots as underscores: webhook.api_key.
        "LIVEKIT_WEBHOOK_API_KEY",
    }
)

TOKEN_SERVER_SERVICE = "token-server"
LIVEKIT_SERVICE = "livekit"
LIVEKIT_IMAGE_RE = re.compile(r"^livekit/livekit-server:v\d+\.\d+\.\d+$")
REQUIRED_LIVEKIT_PORTS = ("7880:7880", "7881:7881", "7882:7882/udp")
SECRET_VARS = ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")


# --- helpers ---------------------------------------------------------------------------------


def load_yaml_documents(path: Path) -> list[Any]:
    """All documents of a YAML file, `None` documents (empty or comment-only) dropped."""
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def load_single_yaml(path: Path) -> Any:
    docs = load_yaml_documents(path)
    if len(docs) != 1:
        raise ValueError(f"{path}: expected exactly one YAML document, found {len(docs)}")
    return docs[0]


def config_paths(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """Yield (dotted path, value) for every leaf of a YAML tree; list items add `[]`."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from config_paths(child, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for item in value:
            yield from config_paths(item, f"{prefix}[]")
    else:
        yield prefix, value


def load_allowed_keys(path: Path = ALLOWED_KEYS_FILE) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def path_allowed(path: str, value: Any, allowed: list[str]) -> bool:
    for pattern in allowed:
        if pattern == path:
            return True
        if pattern.endswith(".*") and path.startswith(pattern[:-1]) and len(path) > len(pattern) - 1:
            return True
        # An empty section (`keys: {}`, `redis:`) is allowed when the section itself is known.
        if value in (None, {}, []) and pattern.startswith(path + "."):
            return True
        if value in (None, {}, []) and pattern == path + ".*":
            return True
    return False


# --- checks ----------------------------------------------------------------------------------


def check_yaml(paths: Iterable[Path]) -> list[str]:
    problems = []
    for path in paths:
        try:
            load_yaml_documents(path)
        except (OSError, yaml.YAMLError) as error:
            problems.append(f"{path}: does not parse as YAML: {error}")
    return problems


def check_livekit_config(config: Any, source: str, extra_allowed: Iterable[str] = ()) -> list[str]:
    if not isinstance(config, dict):
        return [f"{source}: LiveKit configuration must be a mapping"]
    allowed = load_allowed_keys() + list(extra_allowed)
    return [
        f"{source}: `{path}` is not a documented LiveKit setting (see {ALLOWED_KEYS_FILE.name})"
        for path, value in config_paths(config)
        if not path_allowed(path, value, allowed)
    ]


def check_livekit_config_file(path: Path) -> list[str]:
    config = load_single_yaml(path)
    problems = check_livekit_config(config, str(path))
    if isinstance(config, dict) and config.get("keys"):
        problems.append(f"{path}: API keys belong in LIVEKIT_KEYS (deploy/.env), not in this file")
    return problems


def check_livekit_helm_values(path: Path) -> list[str]:
    values = load_single_yaml(path)
    if not isinstance(values, dict) or not isinstance(values.get("livekit"), dict):
        return [f"{path}: expected a `livekit:` mapping (the LiveKit configuration)"]
    livekit = values["livekit"]
    problems = check_livekit_config(livekit, f"{path} (livekit:)", HELM_ONLY_KEYS)
    if not (isinstance(livekit.get("redis"), dict) and livekit["redis"].get("address")):
        problems.append(f"{path}: livekit.redis.address must be set for a multi-node deployment")
    if livekit.get("keys"):
        problems.append(f"{path}: livekit.keys would put API secrets into a ConfigMap")
    store = values.get("storeKeysInSecret") or {}
    if not (store.get("enabled") and store.get("existingSecret")):
        problems.append(f"{path}: storeKeysInSecret.enabled and .existingSecret must be set")
    if store.get("keys"):
        problems.append(f"{path}: storeKeysInSecret.keys must stay empty (use existingSecret)")
    if store.get("enabled") and not livekit.get("key_file"):
        problems.append(f"{path}: storeKeysInSecret needs livekit.key_file")
    return problems


def compose_environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {pair[0]: (pair[1] if len(pair) > 1 else "") for pair in pairs}
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def check_compose(path: Path, env_example: Path | None = None) -> list[str]:
    compose = load_single_yaml(path)
    services = compose.get("services") or {}
    problems = []
    livekit = services.get(LIVEKIT_SERVICE)
    token = services.get(TOKEN_SERVER_SERVICE)
    if livekit is None or token is None:
        return [f"{path}: services `{LIVEKIT_SERVICE}` and `{TOKEN_SERVER_SERVICE}` are required"]

    image = str(livekit.get("image", ""))
    if not LIVEKIT_IMAGE_RE.match(image):
        problems.append(f"{path}: livekit image `{image}` must be livekit/livekit-server:vX.Y.Z")
    ports = [str(port) for port in livekit.get("ports") or []]
    for port in REQUIRED_LIVEKIT_PORTS:
        if port not in ports:
            problems.append(f"{path}: livekit must publish {port}")
    for name, service in ((LIVEKIT_SERVICE, livekit), (TOKEN_SERVER_SERVICE, token)):
        if not (service.get("healthcheck") or {}).get("test"):
            problems.append(f"{path}: service `{name}` needs a healthcheck")
    health = " ".join(map(str, (token.get("healthcheck") or {}).get("test") or []))
    if "/healthz" not in health:
        problems.append(f"{path}: the token server health check must request /healthz")

    depends = (token.get("depends_on") or {}).get(LIVEKIT_SERVICE) or {}
    if not isinstance(depends, dict) or depends.get("condition") != "service_healthy":
        problems.append(f"{path}: token-server must depend on livekit with service_healthy")

    env = compose_environment(token)
    for var in ("APP_ENV", "TOKEN_SERVER_AUTH"):
        if not env.get(var):
            problems.append(f"{path}: token-server must set {var} (a value, or one from deploy/.env)")
    for var in SECRET_VARS:
        if not re.fullmatch(r"\$\{" + var + r":\?[^}]+\}", env.get(var, "")):
            problems.append(f"{path}: {var} must be `${{{var}:?message}}` so Compose refuses to start without it")
    keys = compose_environment(livekit).get("LIVEKIT_KEYS", "")
    if not all(f"${{{var}:?" in keys for var in SECRET_VARS):
        problems.append(f"{path}: LIVEKIT_KEYS must be built from LIVEKIT_API_KEY and LIVEKIT_API_SECRET")

    build = token.get("build") or {}
    context = path.parent / str(build.get("context", "."))
    dockerfile = context / str(build.get("dockerfile", "Dockerfile"))
    if not dockerfile.is_file():
        problems.append(f"{path}: token-server build file {dockerfile} does not exist")

    command = [str(part) for part in livekit.get("command") or []]
    config_target = command[command.index("--config") + 1] if "--config" in command[:-1] else None
    mounts = {}
    for volume in livekit.get("volumes") or []:
        parts = str(volume).split(":")
        if len(parts) >= 2:
            mounts[parts[1]] = path.parent / parts[0]
    if config_target is None or config_target not in mounts:
        problems.append(f"{path}: livekit must run with --config pointing at a mounted file")
    elif not mounts[config_target].is_file():
        problems.append(f"{path}: mounted LiveKit config {mounts[config_target]} does not exist")

    if env_example is not None:
        raw = path.read_text(encoding="utf-8")
        referenced = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", raw))
        documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", env_example.read_text(encoding="utf-8"), re.M))
        for var in sorted(referenced - documented):
            problems.append(f"{path}: ${{{var}}} is not documented in {env_example.name}")
    return problems


def _by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [doc for doc in docs if doc.get("kind") == kind]


def _probe_path(container: dict, probe: str) -> tuple[str | None, Any]:
    http = ((container.get(probe) or {}).get("httpGet")) or {}
    return http.get("path"), http.get("port")


def check_kubernetes(directory: Path) -> list[str]:
    problems: list[str] = []
    kustomization_path = directory / "kustomization.yaml"
    kustomization = load_single_yaml(kustomization_path)
    resources = [str(item) for item in kustomization.get("resources") or []]
    docs: list[dict] = []
    for resource in resources:
        file = directory / resource
        if "example" in resource:
            problems.append(f"{kustomization_path}: {resource} is an example and must not be applied")
        if not file.is_file():
            problems.append(f"{kustomization_path}: resource {resource} does not exist")
            continue
        for doc in load_yaml_documents(file):
            if not isinstance(doc, dict):
                problems.append(f"{file}: every document must be a mapping")
                continue
            for field in ("apiVersion", "kind"):
                if not doc.get(field):
                    problems.append(f"{file}: missing {field}")
            if not (doc.get("metadata") or {}).get("name"):
                problems.append(f"{file}: missing metadata.name")
            doc["__file__"] = str(file)
            docs.append(doc)
    listed = set(resources)
    for file in sorted(directory.glob("*.yaml")):
        name = file.name
        if name != "kustomization.yaml" and ".example." not in name and name not in listed:
            problems.append(f"{directory}: {name} is neither listed in kustomization.yaml nor named *.example.yaml")

    examples = [doc for file in sorted(directory.glob("*.example.yaml")) for doc in load_yaml_documents(file)]
    example_secrets = {
        (doc.get("metadata") or {}).get("name"): set((doc.get("stringData") or {}) | (doc.get("data") or {}))
        for doc in examples
        if isinstance(doc, dict) and doc.get("kind") == "Secret"
    }
    configmaps = {
        (doc.get("metadata") or {}).get("name"): set((doc.get("data") or {}).keys())
        for doc in _by_kind(docs, "ConfigMap")
    }

    deployments = _by_kind(docs, "Deployment")
    if len(deployments) != 1:
        problems.append(f"{directory}: expected exactly one Deployment, found {len(deployments)}")
        return problems
    deployment = deployments[0]
    where = deployment["__file__"]
    spec = deployment.get("spec") or {}
    template = spec.get("template") or {}
    pod = template.get("spec") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    if not selector or any(labels.get(key) != value for key, value in selector.items()):
        problems.append(f"{where}: spec.selector.matchLabels must match the pod template labels")
    if "replicas" in spec and _by_kind(docs, "HorizontalPodAutoscaler"):
        problems.append(f"{where}: leave spec.replicas to the HorizontalPodAutoscaler")
    if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
        problems.append(f"{where}: pod securityContext.runAsNonRoot must be true")

    containers = pod.get("containers") or []
    container = next((c for c in containers if c.get("name") == TOKEN_SERVER_SERVICE), None)
    if container is None:
        problems.append(f"{where}: no container named {TOKEN_SERVER_SERVICE}")
        return problems
    port_names = {port.get("name") for port in container.get("ports") or []}
    port_numbers = {port.get("containerPort") for port in container.get("ports") or []}
    for probe, expected in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        probe_path, probe_port = _probe_path(container, probe)
        if probe_path != expected:
            problems.append(f"{where}: {probe} must GET {expected}, found {probe_path}")
        if probe_port not in port_names | port_numbers:
            problems.append(f"{where}: {probe} port {probe_port} is not a container port")
    security = container.get("securityContext") or {}
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: container securityContext.readOnlyRootFilesystem must be true")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: container securityContext.allowPrivilegeEscalation must be false")
    resources_spec = container.get("resources") or {}
    if not resources_spec.get("requests") or not resources_spec.get("limits"):
        problems.append(f"{where}: container resources need requests and limits")

    secret_refs = []
    for env in container.get("env") or []:
        ref = (env.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            secret_refs.append((env.get("name"), ref.get("name"), ref.get("key")))
    referenced_vars = {name for name, _, _ in secret_refs}
    for var in SECRET_VARS:
        if var not in referenced_vars:
            problems.append(f"{where}: {var} must come from a Secret (secretKeyRef)")
    for var, secret, key in secret_refs:
        if secret not in example_secrets:
            problems.append(f"{where}: {var} references Secret `{secret}`, which no *.example.yaml defines")
        elif key not in example_secrets[secret]:
            problems.append(f"{where}: {var} references key `{key}` missing from the example Secret `{secret}`")
    for source in container.get("envFrom") or []:
        name = (source.get("configMapRef") or {}).get("name")
        if name is not None and name not in configmaps:
            problems.append(f"{where}: envFrom references ConfigMap `{name}`, which is not applied")
    for configmap_keys in configmaps.values():
        for var in SECRET_VARS:
            if var in configmap_keys:
                problems.append(f"{where}: {var} must not be in a ConfigMap")

    deployment_name = deployment["metadata"]["name"]
    for service in _by_kind(docs, "Service"):
        service_selector = (service.get("spec") or {}).get("selector") or {}
        if any(labels.get(key) != value for key, value in service_selector.items()) or not service_selector:
            problems.append(f"{service['__file__']}: Service selector does not select the Deployment's pods")
        for port in (service.get("spec") or {}).get("ports") or []:
            target = port.get("targetPort")
            if target not in port_names | port_numbers:
                problems.append(f"{service['__file__']}: targetPort {target} is not a container port")
    for hpa in _by_kind(docs, "HorizontalPodAutoscaler"):
        if hpa.get("apiVersion") != "autoscaling/v2":
            problems.append(f"{hpa['__file__']}: use autoscaling/v2")
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("kind") != "Deployment" or target.get("name") != deployment_name:
            problems.append(f"{hpa['__file__']}: scaleTargetRef must name Deployment {deployment_name}")
        min_replicas = (hpa.get("spec") or {}).get("minReplicas", 1)
        for pdb in _by_kind(docs, "PodDisruptionBudget"):
            min_available = (pdb.get("spec") or {}).get("minAvailable")
            if isinstance(min_available, int) and min_available >= min_replicas:
                problems.append(f"{pdb['__file__']}: minAvailable {min_available} would block every node drain")
    for pdb in _by_kind(docs, "PodDisruptionBudget"):
        pdb_selector = ((pdb.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        if not pdb_selector or any(labels.get(key) != value for key, value in pdb_selector.items()):
            problems.append(f"{pdb['__file__']}: PodDisruptionBudget selector does not select the Deployment's pods")
    for required in ("Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap"):
        if not _by_kind(docs, required):
            problems.append(f"{directory}: no {required} is applied")
    return problems


def documented_env_vars(doc: Path) -> set[str]:
    """Variable names in the first column of the Markdown tables of `doc`."""
    names = set()
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*`?([A-Z][A-Z0-9_]*)`?\s*\|", line)
        if match:
            names.add(match.group(1))
    return names


def dockerfile_runtime_env(dockerfile: Path) -> set[str]:
    """Names set by ENV in the last stage of a Dockerfile."""
    text = dockerfile.read_text(encoding="utf-8").replace("\\\n", " ")
    stages = re.split(r"^FROM\s", text, flags=re.M | re.I)
    names = set()
    for line in stages[-1].splitlines():
        match = re.match(r"^\s*ENV\s+(.*)$", line, re.I)
        if not match:
            continue
        body = match.group(1)
        if "=" in body.split()[0]:
            names.update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", body))
        else:
            names.add(body.split()[0])
    return names


def token_server_env_sources(root: Path) -> dict[str, set[str]]:
    """Where each set of token server variables comes from, by file."""
    sources: dict[str, set[str]] = {}
    compose_path = root / "deploy" / "docker-compose.yml"
    compose = load_single_yaml(compose_path)
    token = (compose.get("services") or {}).get(TOKEN_SERVER_SERVICE) or {}
    sources[str(compose_path.relative_to(root))] = set(compose_environment(token))
    dockerfile = root / "Dockerfile"
    sources[str(dockerfile.relative_to(root))] = dockerfile_runtime_env(dockerfile)
    kube = root / "deploy" / "kubernetes"
    for file in sorted(kube.glob("*.yaml")):
        for doc in load_yaml_documents(file):
            if not isinstance(doc, dict):
                continue
            rel = str(file.relative_to(root))
            if doc.get("kind") == "ConfigMap":
                sources.setdefault(rel, set()).update((doc.get("data") or {}).keys())
            if doc.get("kind") == "Secret":
                sources.setdefault(rel, set()).update((doc.get("stringData") or {}) | (doc.get("data") or {}))
            if doc.get("kind") == "Deployment":
                pod = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
                for container in pod.get("containers") or []:
                    sources.setdefault(rel, set()).update(
                        env.get("name") for env in container.get("env") or []
                    )
    return sources


def check_env_vars(root: Path, doc: Path) -> list[str]:
    documented = documented_env_vars(doc)
    problems = []
    if not documented:
        return [f"{doc}: no environment variables found (expected a Markdown table of them)"]
    for source, names in token_server_env_sources(root).items():
        for name in sorted(names - documented):
            problems.append(f"{source}: sets {name}, which {doc.relative_to(root)} does not document")
    compose = load_single_yaml(root / "deploy" / "docker-compose.yml")
    livekit = (compose.get("services") or {}).get(LIVEKIT_SERVICE) or {}
    for name in sorted(set(compose_environment(livekit)) - LIVEKIT_SERVER_ENV):
        problems.append(f"deploy/docker-compose.yml: livekit sets {name}, which livekit-server does not read")
    return problems


LIVEKIT_SCRIPT_VERSION_RE = re.compile(r'^LIVEKIT_VERSION="(v\d+\.\d+\.\d+)"$', re.MULTILINE)


def check_versions(root: Path) -> list[str]:
    """One LiveKit version everywhere: the server scripts/livekit.sh builds for the tests and local
    development, the Compose image, the Helm values, and the docs that name it."""
    script = root / "scripts" / "livekit.sh"
    match = LIVEKIT_SCRIPT_VERSION_RE.search(script.read_text(encoding="utf-8")) if script.is_file() else None
    if match is None:
        return [f"{script.relative_to(root)}: no LIVEKIT_VERSION=\"vX.Y.Z\" line"]
    pinned = match.group(1)
    compose = load_single_yaml(root / "deploy" / "docker-compose.yml")
    image = str(((compose.get("services") or {}).get(LIVEKIT_SERVICE) or {}).get("image", ""))
    compose_tag = image.rpartition(":")[2]
    values = load_single_yaml(root / "deploy" / "livekit-helm" / "values.yaml")
    helm_tag = str((values.get("image") or {}).get("tag", ""))
    problems = []
    for where, tag in (("deploy/docker-compose.yml", compose_tag), ("deploy/livekit-helm/values.yaml", helm_tag)):
        if tag != pinned:
            problems.append(f"LiveKit versions differ: scripts/livekit.sh {pinned}, {where} {tag}")
    for doc in ("docs/providers/livekit/README.md", "docs/development.md"):
        path = root / doc
        if not path.is_file() or pinned not in path.read_text(encoding="utf-8"):
            problems.append(f"{doc}: does not mention the pinned LiveKit version {pinned}")
    return problems


def check_livekit_test_config(path: Path) -> list[str]:
    """The test suite's LiveKit configuration: documented keys only, loopback only, and no
    `webhook:` section (scripts/livekit.sh appends one when a test asks for it)."""
    config = load_single_yaml(path)
    problems = check_livekit_config(config, str(path))
    if not isinstance(config, dict):
        return problems
    if "webhook" in config:
        problems.append(f"{path}: must not have a webhook: section (scripts/livekit.sh adds it per run)")
    if config.get("bind_addresses") != ["127.0.0.1"]:
        problems.append(f"{path}: bind_addresses must be [127.0.0.1]")
    rtc = config.get("rtc") or {}
    if rtc.get("node_ip") != "127.0.0.1" or rtc.get("use_external_ip") is not False:
        problems.append(f"{path}: rtc.node_ip must be 127.0.0.1 and rtc.use_external_ip false")
    for server in rtc.get("stun_servers") or []:
        if not str(server).startswith("127."):
            problems.append(f"{path}: STUN server {server} is not on loopback")
    if not rtc.get("stun_servers"):
        problems.append(f"{path}: without rtc.stun_servers LiveKit hands browsers public STUN servers")
    keys = config.get("keys") or {}
    if not keys or "devkey" in keys:
        problems.append(f"{path}: needs its own test key pair, not devkey")
    return problems


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="check", required=True)
    sub.add_parser("yaml").add_argument("files", nargs="+", type=Path)
    sub.add_parser("livekit-config").add_argument("file", type=Path)
    sub.add_parser("livekit-helm-values").add_argument("file", type=Path)
    compose = sub.add_parser("compose")
    compose.add_argument("file", type=Path)
    compose.add_argument("--env-example", type=Path)
    sub.add_parser("kubernetes").add_argument("directory", type=Path)
    env = sub.add_parser("env-vars")
    env.add_argument("--doc", type=Path, required=True)
    env.add_argument("root", type=Path)
    sub.add_parser("versions").add_argument("root", type=Path)
    sub.add_parser("livekit-test-config").add_argument("file", type=Path)
    args = parser.parse_args(argv)

    try:
        if args.check == "yaml":
            problems = check_yaml(args.files)
        elif args.check == "livekit-config":
            problems = check_livekit_config_file(args.file)
        elif args.check == "livekit-helm-values":
            problems = check_livekit_helm_values(args.file)
        elif args.check == "compose":
            problems = check_compose(args.file, args.env_example)
        elif args.check == "kubernetes":
            problems = check_kubernetes(args.directory)
        elif args.check == "env-vars":
            problems = check_env_vars(args.root.resolve(), args.doc.resolve())
        elif args.check == "livekit-test-config":
            problems = check_livekit_test_config(args.file)
        else:
            problems = check_versions(args.root.resolve())
    except (OSError, ValueError, yaml.YAMLError) as error:
        problems = [str(error)]
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
