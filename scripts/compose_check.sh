#!/usr/bin/env bash
# Checks docker-compose.yaml and the Dockerfile without a Docker engine (run by scripts/test.sh):
#
#   1. `docker-compose config -q`, with and without `--profile dev` (Debian's docker-compose 1.29, installed
#      if missing; 1.29 knows the Compose Specification, profiles and deploy.replicas, and `config` keeps
#      them, so what it prints is what `docker compose` v2 reads too).
#   2. Every variable in the `environment:` / `env_file:` of a service that runs one of the programs is
#      one that program reads: the names passed to Environment::Required/String/Int/Duration/Find in the loader
#      of that program in pkg/config/config.cpp (LoadApiConfig or LoadWorkerConfig, plus every function of
#      config.cpp they call, such as LoadPostgresConfig and RequireAmqpUrl) and in its
#      cmd/<program>/main.cpp (LOG_LEVEL). Every variable the loader requires is set.
#   3. The port mappings of the design (auction-api 8081:8080, auction-postgres 5433:5432, RabbitMQ
#      5672 and 15672, MinIO 9000 and 9001); the API's container port is its PORT, the worker's health
#      check asks its HEALTH_PORT; health checks, restart policies, depends_on conditions, 3 replicas.
#   4. Dockerfile: ENV names of the runtime stage are read by a program, EXPOSE is exactly the
#      defaults of PORT and HEALTH_PORT, a non-root USER, a HEALTHCHECK, CMD auction-api, Release without
#      tests/bench; and, when build/ holds the programs, every library they link (readelf NEEDED) comes
#      from a package the runtime stage installs.
#
#   scripts/compose_check.sh [COMPOSE_FILE [DOCKERFILE]]     (defaults: the repository's own)
# Exits 1 listing every problem; prints a short summary either way.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMPOSE_FILE_PATH=$(realpath "${1:-$ROOT/docker-compose.yaml}")
DOCKERFILE_PATH=$(realpath "${2:-$ROOT/Dockerfile}")

auction_apt_install docker-compose docker-compose
# python3-yaml comes with docker-compose; the checks below read its resolved output.
python3 -c 'import yaml' 2>/dev/null ||
  _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-yaml

TMP=$(mktemp -d /tmp/compose_check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

compose() { docker-compose --project-directory "$ROOT" -f "$COMPOSE_FILE_PATH" "$@"; }
# No engine is needed for `config`; keep docker-compose from looking for one or for a .env elsewhere.
export DOCKER_HOST=unix:///nonexistent
compose config -q
compose --profile dev config -q
compose --profile dev config >"$TMP/resolved.yaml"
log "docker-compose $(docker-compose version --short 2>/dev/null || echo '?'): config valid (default and --profile dev)"

python3 - "$ROOT" "$TMP/resolved.yaml" "$COMPOSE_FILE_PATH" "$DOCKERFILE_PATH" <<'PY'
import os
import re
import shlex
import subprocess
import sys

import yaml

root, resolved_path, compose_path, dockerfile_path = sys.argv[1:5]
problems = []
notes = []


def problem(msg):
    problems.append(msg)


# --- what the programs read ------------------------------------------------------------------------
def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


config_cpp = read(os.path.join(root, "pkg/config/config.cpp"))
LOOKUP = re.compile(r'\.(Required|String|Int|Duration|Find)\(\s*"([A-Za-z_][A-Za-z0-9_]*)"(?:\s*,\s*([^,)]*))?')


def functions(source):
    """Top-level function definitions of a file: name -> text from the signature to the closing brace in
    column 0 (the repository's style: namespaces are not indented)."""
    out = {}
    for m in re.finditer(r"^[A-Za-z][\w:<>,&* ]*?\b(\w+)\([^;{}]*\)\s*(?:const\s*)?\{", source, re.M):
        end = source.find("\n}", m.end())
        out.setdefault(m.group(1), source[m.start():end if end >= 0 else len(source)])
    return out


config_functions = functions(config_cpp)


def reachable_text(root_name):
    """The loader's text plus that of every config.cpp function it calls, transitively (LoadPostgresConfig,
    RequireAmqpUrl, and whatever helper a later change adds)."""
    if root_name not in config_functions:
        problem(f"pkg/config/config.cpp: function {root_name} not found (compose_check.sh needs updating)")
        return ""
    seen, todo, text = set(), [root_name], []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        body = config_functions[name]
        text.append(body)
        todo += [f for f in config_functions if f not in seen and re.search(r"\b" + f + r"\(", body)]
    return "\n".join(text)


def lookups(text):
    return [(kind, name, default) for kind, name, default in LOOKUP.findall(text)]


programs = {}
for program, loader in (("auction-api", "LoadApiConfig"), ("auction-worker", "LoadWorkerConfig")):
    main = read(os.path.join(root, "cmd", program.split("-")[1], "main.cpp"))
    found = lookups(reachable_text(loader) + main)
    programs[program] = {
        "names": {n for _, n, _ in found},
        "required": {n for k, n, _ in found if k == "Required"},
        "defaults": {n: d.strip() for _, n, d in found if d},
    }
all_names = set().union(*(p["names"] for p in programs.values()))
if not programs["auction-api"]["names"] or not programs["auction-worker"]["names"]:
    problem("found no env lookups in pkg/config/config.cpp")


def int_default(program, name):
    value = programs[program]["defaults"].get(name, "")
    if not value.isdigit():
        problem(f"cannot read the default of {name} from pkg/config/config.cpp (got {value!r})")
        return None
    return int(value)


api_port_default = int_default("auction-api", "PORT")
health_port_default = int_default("auction-worker", "HEALTH_PORT")

# --- docker-compose ----------------------------------------------------------------------------------
with open(resolved_path, encoding="utf-8") as f:
    services = yaml.safe_load(f)["services"]


def command_text(svc):
    cmd = svc.get("command") or []
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def env_of(name, svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    env = dict(env)
    files = svc.get("env_file") or []
    for path in [files] if isinstance(files, str) else files:
        path = path if os.path.isabs(path) else os.path.join(root, path)
        if not os.path.exists(path):
            problem(f"{name}: env_file {path} does not exist")
            continue
        for line in read(path).splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                env.setdefault(line.split("=", 1)[0].strip().removeprefix("export ").strip(), "")
    return {k: ("" if v is None else str(v)) for k, v in env.items()}


def port_pairs(svc):
    pairs = set()
    for p in svc.get("ports") or []:
        if isinstance(p, dict):
            pairs.add((int(p["published"]), int(p["target"])))
        else:  # short syntax, should config ever print it
            parts = str(p).split("/")[0].split(":")
            pairs.add((int(parts[-2]), int(parts[-1])))
    return pairs


program_services = {}
for name, svc in services.items():
    cmd = command_text(svc)
    program = "auction-worker" if "auction-worker" in cmd else "auction-api" if "auction-api" in cmd else None
    if svc.get("build") and program is None:
        problem(f"{name}: builds this repository but its command names neither auction-api nor auction-worker")
    if program:
        program_services[name] = program

for expected in ("auction-api", "auction-worker", "auction-api-dev", "auction-worker-dev"):
    if expected not in services:
        problem(f"service {expected} is missing")

env_counts = []
for name, program in sorted(program_services.items()):
    svc = services[name]
    env = env_of(name, svc)
    unknown = sorted(set(env) - programs[program]["names"])
    for var in unknown:
        other = " (only the other program reads it)" if var in all_names else ""
        problem(f"{name}: sets {var}, which {program} does not read{other}")
    for var in sorted(programs[program]["required"] - {k for k, v in env.items() if v}):
        problem(f"{name}: {program} requires {var}, which is not set")
    env_counts.append(f"{name} {len(env)}")
    # The program's port inside the container must be the one the mapping and health check use.
    if program == "auction-api":
        port = int(env.get("PORT") or api_port_default or 0)
        targets = {t for _, t in port_pairs(svc)}
        if targets and targets != {port}:
            problem(f"{name}: maps container port(s) {sorted(targets)} but the API listens on PORT={port}")
    else:
        port = int(env.get("HEALTH_PORT") or health_port_default or 0)
    test = " ".join(str(t) for t in (svc.get("healthcheck") or {}).get("test") or [])
    if not test:
        problem(f"{name}: no healthcheck")
    elif f":{port}/" not in test and "auction-healthcheck" not in test:
        problem(f"{name}: the healthcheck ({test}) does not ask port {port}")
    conditions = {k: (v or {}).get("condition") for k, v in (svc.get("depends_on") or {}).items()}
    for dep in ("auction-postgres", "rabbitmq"):
        if conditions.get(dep) != "service_healthy":
            problem(f"{name}: depends_on {dep} without condition: service_healthy")
    if name.endswith("-dev") and "dev" not in (svc.get("profiles") or []):
        problem(f"{name}: not in the dev profile")
    if not name.endswith("-dev") and svc.get("profiles"):
        problem(f"{name}: belongs to profile(s) {svc['profiles']}, so a plain `up` would not start it")

# The images' own variables stay on their services: a program's variable there is a mix-up.
for name, svc in services.items():
    if name in program_services:
        continue
    stray = sorted(set(env_of(name, svc)) & all_names - {"POSTGRES_PASSWORD"})
    for var in stray:
        problem(f"{name}: sets {var}, a variable of the programs, on a service that does not run them")

# Port mappings the design names (host:container).
design_ports = {
    "auction-api": {(8081, 8080)},
    "auction-postgres": {(5433, 5432)},
    "rabbitmq": {(5672, 5672), (15672, 15672)},
    "minio": {(9000, 9000), (9001, 9001)},
}
for name, want in design_ports.items():
    have = port_pairs(services.get(name, {}))
    for published, target in sorted(want - have):
        problem(f"{name}: port {published}:{target} of the design is not mapped (has {sorted(have)})")

# Long-running services: a health check and a restart policy; one-shots exit and restart "no".
for name, svc in services.items():
    one_shot = str(svc.get("restart", "")) == "no"
    if one_shot:
        continue
    if not (svc.get("healthcheck") or {}).get("test"):
        problem(f"{name}: long-running service without a healthcheck")
    if svc.get("restart") not in ("always", "unless-stopped", "on-failure"):
        problem(f"{name}: no restart policy")

replicas = ((services.get("auction-worker") or {}).get("deploy") or {}).get("replicas")
if replicas != 3:
    problem(f"auction-worker: deploy.replicas is {replicas!r}, the design runs 3")
pg = services.get("auction-postgres") or {}
if not str(pg.get("image", "")).startswith("postgres:15"):
    problem(f"auction-postgres: image {pg.get('image')!r}, the design uses postgres:15")
mounts = [str(v.get("target") if isinstance(v, dict) else v.split(":")[1]) for v in pg.get("volumes") or []]
if "/docker-entrypoint-initdb.d" not in mounts:
    problem("auction-postgres: infra/postgres/migrations is not mounted on /docker-entrypoint-initdb.d")
bucket_jobs = [n for n, s in services.items() if "mb" in command_text(s) + " ".join(s.get("entrypoint") or [])]
if not bucket_jobs:
    problem("no service creates the MinIO bucket (mc mb)")

# --- Dockerfile ------------------------------------------------------------------------------------------
lines = []
for raw in re.sub(r"\\\n", " ", read(dockerfile_path)).splitlines():
    if raw.strip() and not raw.lstrip().startswith("#"):
        lines.append(raw.strip())
stages = []
for line in lines:
    word, _, rest = line.partition(" ")
    word = word.upper()
    if word == "FROM":
        stages.append({"from": rest, "lines": []})
    elif stages:
        stages[-1]["lines"].append((word, rest))
if len(stages) < 2:
    problem("Dockerfile: not a multi-stage build")
else:
    if not stages[0]["from"].startswith("debian:bookworm "):
        problem(f"Dockerfile: build stage is FROM {stages[0]['from']}, expected debian:bookworm")
    if not stages[-1]["from"].startswith("debian:bookworm-slim"):
        problem(f"Dockerfile: runtime stage is FROM {stages[-1]['from']}, expected debian:bookworm-slim")
    runtime = stages[-1]["lines"]

    def instructions(word):
        return [rest for w, rest in runtime if w == word]

    for env_line in instructions("ENV"):
        names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", env_line) or env_line.split()[:1]
        for var in names:
            if var not in all_names:
                problem(f"Dockerfile: ENV {var} is read by neither program")
    exposed = {int(p.split("/")[0]) for e in instructions("EXPOSE") for p in e.split()}
    want_exposed = {api_port_default, health_port_default}
    if exposed != want_exposed:
        problem(f"Dockerfile: EXPOSE {sorted(exposed)}, expected PORT and HEALTH_PORT defaults {sorted(want_exposed)}")
    users = instructions("USER")
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problem("Dockerfile: the runtime stage does not switch to a non-root USER")
    if not instructions("HEALTHCHECK"):
        problem("Dockerfile: no HEALTHCHECK")
    cmd = instructions("CMD")
    if not cmd or "auction-api" not in cmd[-1]:
        problem(f"Dockerfile: default CMD is {cmd[-1] if cmd else None!r}, expected auction-api")
    build_text = " ".join(rest for _, rest in stages[0]["lines"])
    for flag in ("-DCMAKE_BUILD_TYPE=Release", "-DAUCTION_BUILD_TESTS=OFF", "-DAUCTION_BUILD_BENCH=OFF"):
        if flag not in build_text:
            problem(f"Dockerfile: the build stage does not configure {flag}")
    copied = " ".join(instructions("COPY"))
    for program in ("auction-api", "auction-worker"):
        if program not in copied:
            problem(f"Dockerfile: the runtime stage does not copy {program}")

    # Runtime packages against the libraries the programs link (when a build is at hand).
    runtime_pkgs = set()
    for run in instructions("RUN"):
        for m in re.finditer(r"apt-get install ([^&;|]*)", run):
            runtime_pkgs |= {w for w in m.group(1).split() if not w.startswith("-")}
    binaries = [os.path.join(root, "build", p) for p in ("auction-api", "auction-worker")]
    if all(os.path.exists(b) for b in binaries):
        base = ("libc6", "libstdc++6", "libgcc-s1")
        for binary in binaries:
            out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True).stdout
            for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out):
                owner = subprocess.run(["bash", "-c", f"dpkg -S '*/{lib}' 2>/dev/null | head -n1"],
                                       capture_output=True, text=True).stdout.split(":")[0]
                if not owner:
                    problem(f"Dockerfile: cannot tell which package has {lib} ({os.path.basename(binary)} links it)")
                elif owner not in base and owner not in runtime_pkgs:
                    problem(f"Dockerfile: {os.path.basename(binary)} links {lib} from {owner}, "
                            "which the runtime stage does not install")
        notes.append("runtime packages compared with the libraries build/auction-{api,worker} link (readelf NEEDED)")
    else:
        notes.append("no build/auction-api: runtime packages not compared with the linked libraries")

# --- summary ---------------------------------------------------------------------------------------------
print(f"compose_check: {len(services)} services ({', '.join(sorted(services))})")
print(f"  program variables known from pkg/config + cmd mains: api {len(programs['auction-api']['names'])}, "
      f"worker {len(programs['auction-worker']['names'])}")
print(f"  environment checked: {', '.join(env_counts)}")
print("  design ports: " + ", ".join(f"{n} {a}:{b}" for n, s in design_ports.items() for a, b in sorted(s)))
for n in notes:
    print(f"  {n}")
if problems:
    print(f"compose_check: FAILED, {len(problems)} problem(s):")
    for p in problems:
        print(f"  - {p}")
    sys.exit(1)
print("compose_check: OK")
PY
