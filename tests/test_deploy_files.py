"""deploy/ files refer to each other and to storyloom as it is (Docker cannot run here)."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.main import build_parser
from worker.ops.queues import FINETUNE, GENERATE

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# commands the deploy files run that other open work adds; a test fails once one
# of these lands under another name
PENDING = {("serve",): "issue 5 adapters", ("dashboard",): "issue 7 dashboard",
           ("worker", "finetune"): "issue 6 fine-tune worker"}
JOB_TIMEOUT = 600


def _commands() -> set[tuple[str, ...]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out: set[tuple[str, ...]] = set()
    for name, p in sub.choices.items():
        out.add((name,))
        for action in p._actions:
            if action.dest == "role" and action.choices:
                out.update((name, role) for role in action.choices)
    return out


def assert_storyloom_command(argv: list[str]) -> None:
    assert argv[0].endswith("storyloom"), argv
    words = tuple(a for a in argv[1:] if not a.startswith("-"))[:2]
    known = _commands()
    assert words[:1] in known or words in PENDING, argv
    if len(words) == 2 and (words[0],) in known and words[0] == "worker":
        assert words in known or words in PENDING, argv


def _yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yml", ".yaml"))


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs and all(isinstance(d, dict) for d in docs)


# -- compose ---------------------------------------------------------------------------
def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


THIRD_PARTY = {"redis", "keystore", "minio", "prometheus", "vllm"}


def test_compose_vllm_profile_points_the_generate_worker_at_the_server() -> None:
    services = _compose()["services"]
    server, client = services["vllm"], services["generate-vllm"]
    assert server["profiles"] == client["profiles"] == ["vllm"]
    assert "--enable-lora" in server["command"]
    assert server["environment"]["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    env = client["environment"]
    assert env["STORYLOOM_BACKEND"] == "vllm" and env["STORYLOOM_VLLM_URL"] == "http://vllm:8000"
    # the server sees the adapters the worker opens for it where the worker puts them, in a
    # volume in memory that only the two share
    staged = next(m for m in server["volumes"] if m.startswith("vllm-adapters:"))
    assert env["STORYLOOM_VLLM_ADAPTER_ROOT"] == staged.split(":")[1]
    assert f"vllm-adapters:{env['STORYLOOM_VLLM_ADAPTER_ROOT']}" in client["volumes"]
    assert _compose()["volumes"]["vllm-adapters"]["driver_opts"]["type"] == "tmpfs"
    model = server["command"][server["command"].index("--model") + 1]
    assert env["STORYLOOM_VLLM_MODEL"] == model


def _dockerfile_targets(path: Path) -> set[str]:
    return set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", path.read_text(), re.M | re.I))


def test_compose_services_images_volumes_and_files_fit_together() -> None:
    compose = _compose()
    services, volumes = compose["services"], set(compose["volumes"])
    built = {s["image"] for s in services.values() if "build" in s}
    for name, svc in services.items():
        assert "image" in svc, name
        assert svc["image"] in built or "/" not in svc["image"] or name in (
            "redis", "prometheus") or svc["image"].startswith(
                ("redis:", "prom/", "vllm/", "minio/")), name
        if "build" in svc:
            dockerfile = DEPLOY / svc["build"]["context"] / svc["build"]["dockerfile"]
            assert dockerfile.is_file(), name
            if "target" in svc["build"]:
                assert svc["build"]["target"] in _dockerfile_targets(dockerfile), name
        for dep in svc.get("depends_on", {}):
            assert dep in services, (name, dep)
        for mount in svc.get("volumes", []):
            source = mount.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), (name, source)
            else:
                assert source in volumes, (name, source)
        if name not in THIRD_PARTY:
            assert_storyloom_command(svc["command"])
            assert svc["environment"]["STORYLOOM_METRICS_PORT"] == "9100", name
            assert "/healthz" in " ".join(svc["healthcheck"]["test"]), name
            assert svc["stop_signal"] == "SIGTERM", name
    for gpu in ("generate", "finetune"):
        [device] = services[gpu]["deploy"]["resources"]["reservations"]["devices"]
        assert device["capabilities"] == ["gpu"]


def test_compose_redis_is_durable_and_prometheus_scrapes_every_service() -> None:
    conf = (DEPLOY / "redis" / "redis.conf").read_text()
    assert re.search(r"^appendonly yes$", conf, re.M)
    assert re.search(r"^appendfsync everysec$", conf, re.M)
    assert re.search(r"^maxmemory-policy noeviction$", conf, re.M)
    services = _compose()["services"]
    prom = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    [job] = [j for j in prom["scrape_configs"] if j["job_name"] == "storyloom"]
    scraped = set(job["dns_sd_configs"][0]["names"])
    assert scraped == set(services) - THIRD_PARTY
    assert prom["rule_files"] == ["/etc/prometheus/alerts.yml"]


# -- Dockerfiles -------------------------------------------------------------------------
def _instructions(path: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.gpu"])
def test_dockerfiles_copy_real_files_and_run_real_commands(name: str) -> None:
    steps = _instructions(DEPLOY / "docker" / name)
    assert steps[0][0] in ("FROM", "ARG")
    for word, rest in steps:
        assert word in {"FROM", "ARG", "ENV", "RUN", "COPY", "WORKDIR", "USER", "EXPOSE",
                        "CMD", "HEALTHCHECK", "STOPSIGNAL"}, word
        if word == "COPY" and "--from" not in rest:
            *sources, _dest = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
        if word == "CMD":
            import json

            assert_storyloom_command(json.loads(rest))
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    if name == "Dockerfile":
        assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in runs
    else:
        assert any(w == "FROM" and r.startswith("nvidia/cuda:") for w, r in steps)
        assert "torch==2.13.0 --index-url ${TORCH_INDEX}" in runs
        assert "download.pytorch.org/whl/cu" in (DEPLOY / "docker" / name).read_text()
    pinned = re.search(r'"torch==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pinned and f"torch=={pinned.group(1)}" in runs, "images install the pinned torch"


# -- Kubernetes --------------------------------------------------------------------------
def _k8s_docs() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_kustomization_lists_every_manifest_and_renders() -> None:
    k = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    files = {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert set(k["resources"]) == files
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    out = subprocess.run([kubectl, "kustomize", str(DEPLOY / "k8s")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(out.stdout) if d]
    assert kinds.count("Deployment") == 5 and kinds.count("ScaledObject") == 2


def _workloads() -> list[dict[str, Any]]:
    return [d for d in _k8s_docs() if d["kind"] in ("Deployment", "StatefulSet")]


def test_every_container_has_probes_resources_and_secrets_from_a_secret() -> None:
    secrets = {"PASSWORD", "TOKEN", "SECRET", "KEY"}
    for doc in _workloads():
        for c in doc["spec"]["template"]["spec"]["containers"]:
            name = doc["metadata"]["name"]
            assert c.get("livenessProbe") and c.get("readinessProbe"), name
            assert c["resources"]["requests"] and c["resources"]["limits"], name
            for env in c.get("env", []):
                if any(s in env["name"] for s in secrets):
                    assert "secretKeyRef" in env.get("valueFrom", {}), (name, env["name"])
            if doc["kind"] == "Deployment":
                assert_storyloom_command(c["command"])
                ports = {p["name"] for p in c["ports"]}
                assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
                assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
                assert c["livenessProbe"]["httpGet"]["port"] in ports
                refs = [e.get("secretRef", {}).get("name") for e in c["envFrom"]]
                assert "storyloom-secrets" in refs, name


def test_gpu_workers_request_gpus_scale_on_rq_queues_and_outlast_a_job() -> None:
    deployments = {d["metadata"]["name"]: d for d in _workloads()}
    scaled = [d for d in _k8s_docs() if d["kind"] == "ScaledObject"]
    lists = set()
    for so in scaled:
        target = deployments[so["spec"]["scaleTargetRef"]["name"]]
        spec = target["spec"]["template"]["spec"]
        assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
        assert spec["terminationGracePeriodSeconds"] > JOB_TIMEOUT
        [trigger] = so["spec"]["triggers"]
        assert trigger["type"] == "redis"
        lists.add(trigger["metadata"]["listName"])
    assert lists == {f"rq:queue:{GENERATE}", f"rq:queue:{FINETUNE}"}


# -- systemd -----------------------------------------------------------------------------
def _units() -> list[Path]:
    return sorted((DEPLOY / "systemd").glob("*.service"))


@pytest.mark.parametrize("unit", _units(), ids=lambda p: p.name)
def test_systemd_units_run_storyloom_and_stop_gracefully(unit: Path, tmp_path: Path) -> None:
    text = unit.read_text()
    [exec_start] = re.findall(r"^ExecStart=(.+)$", text, re.M)
    assert_storyloom_command(exec_start.split())
    assert "KillSignal=SIGTERM" in text and "EnvironmentFile=/etc/storyloom/" in text
    timeout = int(re.findall(r"^TimeoutStopSec=(\d+)$", text, re.M)[0])
    if "worker generate" in exec_start:
        assert timeout > JOB_TIMEOUT
    assert unit.name.removesuffix(".service").rstrip("@") in (
        DEPLOY / "systemd" / "storyloom.target").read_text()
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify a copy whose binary and user exist on this machine
    copy = tmp_path / unit.name.replace("@.", "@0.")
    copy.write_text(re.sub(r"^(User|Group|EnvironmentFile)=.*$", "", text.replace(
        exec_start.split()[0], shutil.which("true") or "/bin/true"), flags=re.M))
    out = subprocess.run([analyze, "verify", "--man=no", str(copy)], capture_output=True,
                         text=True, timeout=60)
    assert not re.search(r"Unknown|Invalid|bad-setting|Failed", out.stdout + out.stderr), (
        out.stdout + out.stderr)


# -- alert rules -------------------------------------------------------------------------
def _metric_names() -> set[str]:
    from worker.ops import metrics

    names: set[str] = set()
    for obj in vars(metrics).values():
        describe = getattr(obj, "describe", None)
        if callable(describe) and hasattr(obj, "_name"):
            for family in describe():
                names.add(family.name)
                names.update(family.name + suffix for suffix in (
                    "_total", "_count", "_sum", "_bucket"))
    source = (ROOT / "worker" / "ops" / "metrics.py").read_text()
    names.update(re.findall(r'GaugeMetricFamily\(\s*"([a-z_]+)"', source))
    return names


def test_alert_rules_cover_backlog_failures_and_stuck_workers_with_real_metrics() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    groups = {g["name"]: g["rules"] for g in rules["groups"]}
    assert set(groups) == {"storyloom-backlog", "storyloom-failures", "storyloom-stuck"}
    known = _metric_names()
    for rule in (r for g in groups.values() for r in g):
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
        for used in re.findall(r"\b(storyloom_[a-z_]+)", rule["expr"]):
            assert used in known, (rule["alert"], used)


def test_promtool_accepts_the_rules_and_their_unit_tests() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    folder = DEPLOY / "prometheus"
    check = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=folder,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=folder,
                          capture_output=True, text=True, timeout=60)
    assert test.returncode == 0, test.stdout + test.stderr



def test_deploy_believes_forwarded_addresses_only_from_proxies_and_exports_the_audit() -> None:
    import ipaddress

    config = next(d for d in _k8s_docs() if d["kind"] == "ConfigMap")["data"]
    env_file = (DEPLOY / "systemd" / "storyloom.env.example").read_text()
    [systemd] = re.findall(r"^STORYLOOM_TRUSTED_PROXIES=(.+)$", env_file, re.M)
    for proxies in (config["STORYLOOM_TRUSTED_PROXIES"], systemd):
        assert [ipaddress.ip_network(p.strip()) for p in proxies.split(",")], proxies
    [cron] = [d for d in _k8s_docs() if d["kind"] == "CronJob"]
    [job] = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    command = " ".join(job["command"])
    assert "storyloom audit export --to /audit/" in command and "audit verify" in command
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"  # two exports would interleave
    timer = (DEPLOY / "systemd" / "storyloom-audit-export.timer").read_text()
    assert "OnCalendar=" in timer
    assert "storyloom-audit-export.timer" in (DEPLOY / "systemd" / "storyloom.target").read_text()
