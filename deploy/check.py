"""Checks on the rendered deployment files; called by deploy/check.sh, which renders them first.

Reads the environment variable names from the README's "## Configuration" table (first column, in
backticks), so the check grows with the table, and fails when any of them is missing from
docker-compose.yml, .env.example or a rendered overlay.
"""
import argparse
import os
import re
import sys

import yaml

MIN_RETENTION_MS = 604_800_000  # 7 days: Chargebee retries span 3 days, replays need more
TOPICS = ["scalekit.events", "scalekit.events.dlq", "chargebee.events", "chargebee.events.dlq",
          "billing.lifecycle"]
SERVICES = ["webhook-ingress", "billing-api", "provisioning-worker", "sync-worker"]
WORKERS = ["provisioning-worker", "sync-worker"]
PART_OF = "app.kubernetes.io/part-of"
CANARY = "BILLBRIDGE_CHECK_CANARY_NOT_CONFIGURED"

passes = 0
failures = 0


def ok(msg):
    global passes
    passes += 1
    print(f"deploy-check: PASS {msg}")


def bad(msg, details=()):
    global failures
    failures += 1
    print(f"deploy-check: FAIL {msg}")
    for d in details:
        print(f"    {d}")


def readme_variables(path):
    """Names in the first column (`NAME`) of the table(s) under the '## Configuration' heading."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    names, inside = [], False
    for line in lines:
        if re.match(r"^##\s", line):
            inside = re.match(r"^##\s+Configuration\s*$", line.strip()) is not None
            continue
        if not inside or not line.lstrip().startswith("|"):
            continue
        first = line.strip().strip("|").split("|")[0]
        m = re.fullmatch(r"\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*", first)
        if m and m.group(1) not in names:
            names.append(m.group(1))
    return names


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def pod_specs(docs, only_billbridge=False):
    """(workload kind/name, pod spec) for every workload, including a CronJob's job template."""
    for d in docs:
        if only_billbridge and (d.get("metadata", {}).get("labels") or {}).get(PART_OF) != "billbridge":
            continue
        kind, spec = d.get("kind"), d.get("spec") or {}
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
            yield f"{kind}/{d['metadata']['name']}", spec["template"]["spec"]
        elif kind == "CronJob":
            yield f"{kind}/{d['metadata']['name']}", spec["jobTemplate"]["spec"]["template"]["spec"]
        elif kind == "Pod":
            yield f"Pod/{d['metadata']['name']}", spec


def provided_env(docs):
    """variable -> set of workloads whose containers get it (env, or envFrom a rendered ConfigMap/Secret)."""
    maps = {}
    for d in docs:
        if d.get("kind") in ("ConfigMap", "Secret"):
            keys = set((d.get("data") or {}).keys()) | set((d.get("stringData") or {}).keys())
            maps[(d["kind"], d["metadata"]["name"])] = keys
    got = {}
    # only billbridge's own workloads count: a simulator or database given a variable proves nothing
    for wl, spec in pod_specs(docs, only_billbridge=True):
        for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            for e in c.get("env") or []:
                got.setdefault(e["name"], set()).add(wl)
            for ef in c.get("envFrom") or []:
                prefix = ef.get("prefix", "")
                if "configMapRef" in ef:
                    keys = maps.get(("ConfigMap", ef["configMapRef"]["name"]), set())
                elif "secretRef" in ef:
                    keys = maps.get(("Secret", ef["secretRef"]["name"]), set())
                else:
                    keys = set()
                for k in keys:
                    got.setdefault(prefix + k, set()).add(wl)
    return got


def compose_env(cfg):
    got = {}
    for name, svc in (cfg.get("services") or {}).items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
        for k in env:
            got.setdefault(k, set()).add(name)
    return got


def env_example_names(path):
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
            if m:
                names.add(m.group(1))
    return names


def coverage(variables, sources):
    """sources: name -> set of variable names. Returns {variable: [sources missing it]}."""
    missing = {}
    for v in variables:
        gaps = [s for s, names in sources.items() if v not in names]
        if gaps:
            missing[v] = gaps
    return missing


def check_manifests(overlay, docs):
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    deployments = by_kind.get("Deployment", {})
    problems = []
    for svc in SERVICES:
        dep = deployments.get(svc)
        if not dep:
            problems.append(f"no Deployment {svc}")
            continue
        spec = dep["spec"]["template"]["spec"]
        c = spec["containers"][0]
        rp = (c.get("readinessProbe") or {}).get("httpGet", {}).get("path")
        lp = (c.get("livenessProbe") or {}).get("httpGet", {}).get("path")
        if rp != "/q/health/ready":
            problems.append(f"{svc}: readinessProbe path is {rp!r}, not /q/health/ready")
        if lp != "/q/health/live":
            problems.append(f"{svc}: livenessProbe path is {lp!r}, not /q/health/live")
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(part) or {}):
                    problems.append(f"{svc}: no resources.{part}.{r}")
        if "replicas" not in dep["spec"]:
            problems.append(f"{svc}: replicas not set")
        labels = dep["spec"]["template"]["metadata"].get("labels", {})
        pdbs = [p for p in by_kind.get("PodDisruptionBudget", {}).values()
                if all(labels.get(k) == v for k, v in p["spec"]["selector"].get("matchLabels", {}).items())]
        if not pdbs:
            problems.append(f"{svc}: no PodDisruptionBudget selects its pods")
        services = [s for s in by_kind.get("Service", {}).values()
                    if s["spec"].get("selector") and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
        if not services:
            problems.append(f"{svc}: no Service selects its pods")
    if problems:
        bad(f"{overlay}: Deployments have probes on /q/health/*, requests and limits, replicas, a Service and a PDB",
            problems)
    else:
        ok(f"{overlay}: the four Deployments have probes on /q/health/ready and /q/health/live, requests and limits, "
           "replicas, a Service and a PDB")

    topics = {(d["spec"].get("topicName") or d["metadata"]["name"]): d
              for d in by_kind.get("KafkaTopic", {}).values()}
    problems = []
    for t in TOPICS:
        d = topics.get(t)
        if not d:
            problems.append(f"no KafkaTopic for {t}")
            continue
        ret = int((d["spec"].get("config") or {}).get("retention.ms", -1))
        if ret != -1 and ret < MIN_RETENTION_MS:
            problems.append(f"{t}: retention.ms {ret} < {MIN_RETENTION_MS} (7 days)")
        if int(d["spec"].get("partitions", 0)) < 1:
            problems.append(f"{t}: no partitions")
    if problems:
        bad(f"{overlay}: Strimzi KafkaTopics for every topic, retention >= 7 days", problems)
    else:
        parts = {t: topics[t]["spec"]["partitions"] for t in TOPICS}
        ok(f"{overlay}: Strimzi KafkaTopics for all {len(TOPICS)} topics, retention >= 7 days, partitions {parts}")

    # A consumer replica beyond the partition count gets no partition: cap them.
    min_parts = min((int(d["spec"].get("partitions", 0)) for d in topics.values()), default=0)
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind.get("HorizontalPodAutoscaler", {}).values()}
    problems = []
    for w in WORKERS:
        dep = deployments.get(w)
        if dep and int(dep["spec"].get("replicas", 1)) > min_parts:
            problems.append(f"{w}: replicas {dep['spec']['replicas']} > partitions {min_parts}")
        if w in hpas and int(hpas[w]["spec"]["maxReplicas"]) > min_parts:
            problems.append(f"{w}: HPA maxReplicas {hpas[w]['spec']['maxReplicas']} > partitions {min_parts}")
    if problems:
        bad(f"{overlay}: worker replicas stay within the partition count", problems)
    else:
        ok(f"{overlay}: worker replicas (and HPA maxReplicas) <= partitions ({min_parts})")

    ops = [wl for wl, spec in pod_specs(docs)
           if wl.split("/")[0] in ("CronJob", "Job") and any("billing-ops" in c.get("image", "") for c in spec["containers"])]
    if ops:
        ok(f"{overlay}: ops tool Job template present ({', '.join(ops)})")
    else:
        bad(f"{overlay}: no Job/CronJob template running the billing-ops image")

    # Every secretKeyRef must name a key of the Secret when the overlay renders that Secret.
    secrets = {d["metadata"]["name"]: set((d.get("data") or {}).keys()) | set((d.get("stringData") or {}).keys())
               for d in by_kind.get("Secret", {}).values()}
    problems = []
    for wl, spec in pod_specs(docs):
        for c in spec["containers"]:
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref and ref["name"] in secrets and ref["key"] not in secrets[ref["name"]]:
                    problems.append(f"{wl}: Secret {ref['name']} has no key {ref['key']}")
    if problems:
        bad(f"{overlay}: secretKeyRefs name existing keys", problems)
    else:
        rendered = ", ".join(sorted(secrets)) or "none rendered: created out of band"
        ok(f"{overlay}: secretKeyRefs name existing keys (Secrets: {rendered})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--readme", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--overlays", nargs="*", default=[])
    a = ap.parse_args()

    rendered = {}
    for o in a.overlays:
        p = os.path.join(a.out, f"overlay-{o}.yaml")
        if os.path.exists(p):
            rendered[o] = load_all(p)
            check_manifests(f"overlay {o}", rendered[o])

    compose_path = os.path.join(a.out, "compose-env-example.yaml")
    compose = None
    if os.path.exists(compose_path):
        with open(compose_path, encoding="utf-8") as f:
            compose = yaml.safe_load(f)
        cenv = compose_env(compose)
        problems = []
        for svc in SERVICES:
            s = compose["services"].get(svc)
            if not s:
                problems.append(f"no service {svc}")
                continue
            test = " ".join((s.get("healthcheck") or {}).get("test") or [])
            if "/q/health/ready" not in test:
                problems.append(f"{svc}: healthcheck does not probe /q/health/ready")
            conds = {k: (v or {}).get("condition") for k, v in (s.get("depends_on") or {}).items()}
            if conds.get("kafka-init") != "service_completed_successfully":
                problems.append(f"{svc}: does not wait for kafka-init to complete")
            if not any(c == "service_healthy" for c in conds.values()):
                problems.append(f"{svc}: waits for no healthy dependency")
        for sim in ("chargebee-sim", "scalekit-sim"):
            if "sandbox" not in (compose["services"].get(sim) or {}).get("profiles", []):
                problems.append(f"{sim}: not in the sandbox profile")
        if problems:
            bad("docker-compose.yml: services have readiness healthchecks, wait for infrastructure, simulators in profile sandbox", problems)
        else:
            ok("docker-compose.yml: the four services probe /q/health/ready, wait for healthy infrastructure and "
               "kafka-init; the simulators are in profile sandbox")

    # Every variable docker-compose.yml interpolates must be in .env.example, so the example is complete.
    with open(os.path.join(a.root, "docker-compose.yml"), encoding="utf-8") as f:
        # comment lines are not interpolated; $$ escapes a literal $ for the container
        text = "\n".join(l for l in f.read().splitlines() if not l.lstrip().startswith("#")).replace("$$", "")
    interpolated = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    not_in_example = sorted(interpolated - env_example_names(os.path.join(a.root, ".env.example")))
    if not_in_example:
        bad(".env.example lacks variables docker-compose.yml reads", not_in_example)
    else:
        ok(f".env.example lists all {len(interpolated)} variables docker-compose.yml reads")

    # --- environment variable coverage, driven by the README table ---------------------------
    if not os.path.exists(a.readme):
        bad(f"README not found at {a.readme}: cannot read the variable table under '## Configuration'")
        finish(a.out)
        return
    variables = readme_variables(a.readme)
    if not variables:
        bad(f"{a.readme}: no table of `VARIABLE` names under a '## Configuration' heading")
        finish(a.out)
        return
    sources = {}
    if compose is not None:
        sources["docker-compose.yml"] = set(compose_env(compose))
    else:
        bad("docker-compose.yml could not be rendered: variable coverage not checked there")
    sources[".env.example"] = env_example_names(os.path.join(a.root, ".env.example"))
    for o, docs in rendered.items():
        sources[f"overlay {o}"] = set(provided_env(docs))
    for o in a.overlays:
        if o not in rendered:
            bad(f"overlay {o} could not be rendered: variable coverage not checked there")

    missing = coverage(variables, sources)
    width = max(len(v) for v in variables)
    print(f"deploy-check: {len(variables)} variables in {a.readme} '## Configuration':")
    print(f"    {'variable'.ljust(width)}  " + "  ".join(sources))
    for v in variables:
        print(f"    {v.ljust(width)}  " + "  ".join(
            ("ok" if v in names else "MISSING").ljust(len(s)) for s, names in sources.items()))
    if missing:
        bad(f"{len(missing)} README variable(s) missing", [f"{v}: not in {', '.join(g)}" for v, g in missing.items()])
    else:
        ok(f"all {len(variables)} README variables are set in {', '.join(sources)}")

    # The coverage check must be able to fail: a variable nobody configures has to be reported.
    canary = coverage(variables + [CANARY], sources)
    if CANARY in canary and len(canary[CANARY]) == len(sources):
        ok("coverage check reports an unconfigured variable (canary)")
    else:
        bad("coverage check did not report the canary variable as missing")

    # Informational: configured names the README does not document (compose-only settings are expected).
    service_env = set()
    if compose is not None:
        for svc in SERVICES:
            env = (compose["services"].get(svc) or {}).get("environment") or {}
            service_env |= set(env)
    for docs in rendered.values():
        for var, workloads in provided_env(docs).items():
            if any(w in {f"Deployment/{s}" for s in SERVICES} for w in workloads):
                service_env.add(var)
    extra = sorted(service_env - set(variables))
    if extra:
        print("deploy-check: note: the services also get these, not in the README table: " + ", ".join(extra))
    finish(a.out)


def finish(out):
    with open(os.path.join(out, "py-counts"), "w") as f:
        f.write(f"{passes} {failures}\n")


if __name__ == "__main__":
    main()
    sys.exit(1 if failures else 0)
