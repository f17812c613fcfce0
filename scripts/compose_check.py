#!/usr/bin/env python3
"""Checks docker-compose.yaml, the Dockerfile and scripts/local.env against the programs' own configuration tables
and the design, without a Docker engine (scripts/test.sh's "compose check" step, through scripts/compose_check.sh,
which installs docker-compose and python3-yaml when missing):

  1. `docker-compose config`, with and without `--profile dev` (Debian's docker-compose 1.29; it knows the Compose
     Specification, profiles and deploy.replicas, and `config` keeps them, so what it prints is what
     `docker compose` v2 reads too).
  2. What each program reads is what it says it reads: `auction-api --config-table` and
     `auction-worker --config-table` of the build directory (its loader run over a describing environment,
     pkg/config; README "Configuration"). Every variable in the `environment:` / `env_file:` of a service that runs
     a program is one that program reads, and every variable the program requires is set.
  3. scripts/local.env (the local run's configuration): every name in it is read by a program or is one of the
     compose file's own `${...}` substitutions (HOST_PORT), and every variable a program requires is set.
  4. The design's port mappings (auction-api 8081:8080, auction-postgres 5433:5432, RabbitMQ 5672 and 15672, MinIO
     9000 and 9001); the API's container port is its PORT, the worker's health check asks its HEALTH_PORT; health
     checks, restart policies, depends_on conditions, 3 worker replicas, postgres:15 with the initdb mount, the
     bucket job.
  5. Dockerfile: ENV names of the runtime stage are read by a program, EXPOSE is exactly the defaults of PORT and
     HEALTH_PORT, a non-root USER, a HEALTHCHECK, CMD auction-api, a Release build without tests or benchmarks, and
     every library the built programs link (readelf NEEDED) comes from a package the runtime stage installs.

  scripts/compose_check.py [--build-dir DIR] [--local-env FILE] [COMPOSE_FILE [DOCKERFILE]]

The defaults are this checkout's docker-compose.yaml, Dockerfile and scripts/local.env; the build directory is
--build-dir, else $AUCTION_BUILD_DIR, else build/ of this checkout. Exits 1 listing every problem, 2 when it cannot
check (no built programs, no docker-compose); prints a short summary either way. tests/compose_check_test.py shows
that each check can fail.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("compose_check: cannot check: python3-yaml is missing: run scripts/compose_check.sh, which installs it",
          file=sys.stderr)
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = ("auction-api", "auction-worker")


class CannotCheck(Exception):
    """A precondition is missing: nothing was checked."""


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# --- what the programs read: their own tables -------------------------------------------------------------------
def config_tables(build_dir, notes):
    """Each program's `--config-table`: {program: {"names", "required", "defaults"}}."""
    tables = {}
    sources = glob.glob(os.path.join(ROOT, "pkg/config/*.[ch]pp")) + glob.glob(os.path.join(ROOT, "cmd/*/main.cpp"))
    newest_source = max((os.path.getmtime(s) for s in sources), default=0)
    for program in PROGRAMS:
        binary = os.path.join(build_dir, program)
        if not os.access(binary, os.X_OK):
            raise CannotCheck(f"{binary} not found: build first (`cmake --preset default && cmake --build build`, or "
                              "scripts/run.sh), or name the build directory with --build-dir or AUCTION_BUILD_DIR")
        try:
            run = subprocess.run([binary, "--config-table"], capture_output=True, text=True, timeout=30, check=False)
        except subprocess.TimeoutExpired as e:
            raise CannotCheck(f"{binary} --config-table did not answer in 30 s: a build from before the flag? "
                              "Rebuild") from e
        if run.returncode != 0:
            raise CannotCheck(f"{binary} --config-table exited {run.returncode} ({run.stderr.strip()}): a build from "
                              "before the flag? Rebuild")
        try:
            rows = json.loads(run.stdout)
        except json.JSONDecodeError as e:
            raise CannotCheck(f"{binary} --config-table printed no JSON table ({e})") from e
        if not rows:
            raise CannotCheck(f"{binary} --config-table printed an empty table")
        tables[program] = {
            "names": {r["name"] for r in rows},
            "required": {r["name"] for r in rows if r["required"]},
            "defaults": {r["name"]: r["default"] for r in rows if r["default"] is not None},
        }
        if os.path.getmtime(binary) < newest_source:
            notes.append(f"warning: {binary} is older than pkg/config or cmd/*/main.cpp; rebuild if the table changed")
    return tables


def int_default(tables, program, name, problems):
    value = str(tables[program]["defaults"].get(name, ""))
    if not value.isdigit():
        problems.append(f"{program} --config-table gives {name} no numeric default (got {value!r})")
        return None
    return int(value)


# --- docker-compose ---------------------------------------------------------------------------------------------
def compose_config(compose_path):
    """Validates the file with and without the dev profile; returns the resolved services (with --profile dev) and
    docker-compose's version, or raises CannotCheck / returns the error as a problem list."""
    if shutil.which("docker-compose") is None:
        raise CannotCheck("docker-compose not found: run scripts/compose_check.sh, which installs Debian's")
    # No engine is needed for `config`; keep docker-compose from looking for one.
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent")
    base = ["docker-compose", "--project-directory", ROOT, "-f", compose_path]
    plain = subprocess.run(base + ["config", "-q"], capture_output=True, text=True, env=env, check=False)
    dev = subprocess.run(base + ["--profile", "dev", "config"], capture_output=True, text=True, env=env, check=False)
    errors = [f"docker-compose config{flag} fails: {run.stderr.strip()}"
              for flag, run in (("", plain), (" --profile dev", dev)) if run.returncode != 0]
    if errors:
        return None, None, errors
    version = subprocess.run(["docker-compose", "version", "--short"], capture_output=True, text=True, env=env,
                             check=False).stdout.strip() or "?"
    return yaml.safe_load(dev.stdout)["services"], version, []


def dotenv_names(path):
    """The KEY=VALUE lines of an env file, as pkg/config's ParseDotEnv reads them: {name: value}."""
    out = {}
    for line in read(path).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].strip()
        if "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if value[:1] in ("'", '"'):
            end = value.find(value[0], 1)
            value = value[1:] if end < 0 else value[1:end]
        elif value.startswith("#"):
            value = ""
        elif " #" in value:
            value = value[:value.index(" #")].strip()
        if key:
            out[key] = value
    return out


def command_text(svc):
    cmd = svc.get("command") or []
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def env_of(name, svc, problems):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    env = dict(env)
    files = svc.get("env_file") or []
    for path in [files] if isinstance(files, str) else files:
        path = path if os.path.isabs(path) else os.path.join(ROOT, path)
        if not os.path.exists(path):
            problems.append(f"{name}: env_file {path} does not exist")
            continue
        for key, value in dotenv_names(path).items():
            env.setdefault(key, value)
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


DESIGN_PORTS = {  # host:container, as the design names them
    "auction-api": {(8081, 8080)},
    "auction-postgres": {(5433, 5432)},
    "rabbitmq": {(5672, 5672), (15672, 15672)},
    "minio": {(9000, 9000), (9001, 9001)},
}


def check_services(services, tables, ports, problems):
    """The program services' variables, ports and health checks, then the stack's shape. Returns a summary line."""
    all_names = set().union(*(t["names"] for t in tables.values()))
    api_port_default, health_port_default = ports
    program_services = {}
    for name, svc in services.items():
        cmd = command_text(svc)
        program = "auction-worker" if "auction-worker" in cmd else "auction-api" if "auction-api" in cmd else None
        if svc.get("build") and program is None:
            problems.append(f"{name}: builds this repository but its command names neither auction-api nor "
                            "auction-worker")
        if program:
            program_services[name] = program
    for expected in ("auction-api", "auction-worker", "auction-api-dev", "auction-worker-dev"):
        if expected not in services:
            problems.append(f"service {expected} is missing")

    env_counts = []
    for name, program in sorted(program_services.items()):
        svc = services[name]
        env = env_of(name, svc, problems)
        for var in sorted(set(env) - tables[program]["names"]):
            other = " (only the other program reads it)" if var in all_names else ""
            problems.append(f"{name}: sets {var}, which {program} does not read{other}")
        for var in sorted(tables[program]["required"] - {k for k, v in env.items() if v}):
            problems.append(f"{name}: {program} requires {var}, which is not set")
        env_counts.append(f"{name} {len(env)}")
        # The program's port inside the container must be the one the mapping and health check use.
        if program == "auction-api":
            port = int(env.get("PORT") or api_port_default or 0)
            targets = {t for _, t in port_pairs(svc)}
            if targets and targets != {port}:
                problems.append(f"{name}: maps container port(s) {sorted(targets)} but the API listens on PORT={port}")
        else:
            port = int(env.get("HEALTH_PORT") or health_port_default or 0)
        test = " ".join(str(t) for t in (svc.get("healthcheck") or {}).get("test") or [])
        if not test:
            problems.append(f"{name}: no healthcheck")
        elif f":{port}/" not in test and "auction-healthcheck" not in test:
            problems.append(f"{name}: the healthcheck ({test}) does not ask port {port}")
        conditions = {k: (v or {}).get("condition") for k, v in (svc.get("depends_on") or {}).items()}
        for dep in ("auction-postgres", "rabbitmq"):
            if conditions.get(dep) != "service_healthy":
                problems.append(f"{name}: depends_on {dep} without condition: service_healthy")
        if name.endswith("-dev") and "dev" not in (svc.get("profiles") or []):
            problems.append(f"{name}: not in the dev profile")
        if not name.endswith("-dev") and svc.get("profiles"):
            problems.append(f"{name}: belongs to profile(s) {svc['profiles']}, so a plain `up` would not start it")

    # The images' own variables stay on their services: a program's variable there is a mix-up.
    for name, svc in services.items():
        if name in program_services:
            continue
        for var in sorted(set(env_of(name, svc, problems)) & all_names - {"POSTGRES_PASSWORD"}):
            problems.append(f"{name}: sets {var}, a variable of the programs, on a service that does not run them")

    for name, want in DESIGN_PORTS.items():
        have = port_pairs(services.get(name, {}))
        for published, target in sorted(want - have):
            problems.append(f"{name}: port {published}:{target} of the design is not mapped (has {sorted(have)})")

    # Long-running services: a health check and a restart policy; one-shots exit and restart "no".
    for name, svc in services.items():
        if str(svc.get("restart", "")) == "no":
            continue
        if not (svc.get("healthcheck") or {}).get("test"):
            problems.append(f"{name}: long-running service without a healthcheck")
        if svc.get("restart") not in ("always", "unless-stopped", "on-failure"):
            problems.append(f"{name}: no restart policy")

    replicas = ((services.get("auction-worker") or {}).get("deploy") or {}).get("replicas")
    if replicas != 3:
        problems.append(f"auction-worker: deploy.replicas is {replicas!r}, the design runs 3")
    pg = services.get("auction-postgres") or {}
    if not str(pg.get("image", "")).startswith("postgres:15"):
        problems.append(f"auction-postgres: image {pg.get('image')!r}, the design uses postgres:15")
    mounts = [str(v.get("target") if isinstance(v, dict) else v.split(":")[1]) for v in pg.get("volumes") or []]
    if "/docker-entrypoint-initdb.d" not in mounts:
        problems.append("auction-postgres: infra/postgres/migrations is not mounted on /docker-entrypoint-initdb.d")
    if not [n for n, s in services.items() if "mb" in command_text(s) + " ".join(s.get("entrypoint") or [])]:
        problems.append("no service creates the MinIO bucket (mc mb)")
    return ", ".join(env_counts)


def check_local_env(path, compose_text, tables, problems):
    """scripts/local.env names only what a program reads (or what the compose file substitutes, HOST_PORT) and
    sets every variable a program requires."""
    values = dotenv_names(path)
    all_names = set().union(*(t["names"] for t in tables.values()))
    compose_vars = set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", compose_text))
    shown = os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path
    for var in sorted(set(values) - all_names - compose_vars):
        problems.append(f"{shown}: sets {var}, which neither program reads (nor the compose file substitutes)")
    required = set().union(*(t["required"] for t in tables.values()))
    for var in sorted(required - {k for k, v in values.items() if v}):
        programs = [p for p in PROGRAMS if var in tables[p]["required"]]
        verb = "requires" if len(programs) == 1 else "require"
        problems.append(f"{shown}: {' and '.join(programs)} {verb} {var}, which is not set")
    return len(values)


# --- Dockerfile -------------------------------------------------------------------------------------------------
def dockerfile_stages(path):
    lines = [raw.strip() for raw in re.sub(r"\\\n", " ", read(path)).splitlines()
             if raw.strip() and not raw.lstrip().startswith("#")]
    stages = []
    for line in lines:
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append({"from": rest, "lines": []})
        elif stages:
            stages[-1]["lines"].append((word.upper(), rest))
    return stages


def package_owners(libs):
    """Debian package of each shared library name (dpkg -S, one call), or absent when none has it."""
    if not libs:
        return {}
    run = subprocess.run(["dpkg", "-S"] + [f"*/{lib}" for lib in sorted(libs)], capture_output=True, text=True,
                         check=False)
    # A name can be in several packages (libm.so.6: libc6 in /lib/x86_64-linux-gnu, libc6-i386 in /lib32): the one
    # in the machine's own multiarch directory is the one the programs load.
    native = f"/{os.uname().machine}-linux-gnu/"
    owners = {}
    for line in run.stdout.splitlines():
        packages, sep, path = line.partition(": /")
        if sep:
            name = os.path.basename(path)
            package = packages.split(",")[0].split(":")[0].strip()
            if native in "/" + path:
                owners[name] = package
            else:
                owners.setdefault(name, package)
    return owners


def check_dockerfile(path, binaries, tables, ports, problems):
    all_names = set().union(*(t["names"] for t in tables.values()))
    stages = dockerfile_stages(path)
    if len(stages) < 2:
        problems.append("Dockerfile: not a multi-stage build")
        return
    if not stages[0]["from"].startswith("debian:bookworm "):
        problems.append(f"Dockerfile: build stage is FROM {stages[0]['from']}, expected debian:bookworm")
    if not stages[-1]["from"].startswith("debian:bookworm-slim"):
        problems.append(f"Dockerfile: runtime stage is FROM {stages[-1]['from']}, expected debian:bookworm-slim")
    runtime = stages[-1]["lines"]

    def instructions(word):
        return [rest for w, rest in runtime if w == word]

    for env_line in instructions("ENV"):
        for var in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", env_line) or env_line.split()[:1]:
            if var not in all_names:
                problems.append(f"Dockerfile: ENV {var} is read by neither program")
    exposed = {int(p.split("/")[0]) for e in instructions("EXPOSE") for p in e.split()}
    if exposed != set(ports):
        problems.append(f"Dockerfile: EXPOSE {sorted(exposed)}, expected the PORT and HEALTH_PORT defaults "
                        f"{list(ports)}")
    users = instructions("USER")
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("Dockerfile: the runtime stage does not switch to a non-root USER")
    if not instructions("HEALTHCHECK"):
        problems.append("Dockerfile: no HEALTHCHECK")
    cmd = instructions("CMD")
    if not cmd or "auction-api" not in cmd[-1]:
        problems.append(f"Dockerfile: default CMD is {cmd[-1] if cmd else None!r}, expected auction-api")
    build_text = " ".join(rest for _, rest in stages[0]["lines"])
    for flag in ("-DCMAKE_BUILD_TYPE=Release", "-DAUCTION_BUILD_TESTS=OFF", "-DAUCTION_BUILD_BENCH=OFF"):
        if flag not in build_text:
            problems.append(f"Dockerfile: the build stage does not configure {flag}")
    copied = " ".join(instructions("COPY"))
    for program in PROGRAMS:
        if program not in copied:
            problems.append(f"Dockerfile: the runtime stage does not copy {program}")

    # Runtime packages against the libraries the built programs link.
    runtime_pkgs = set()
    for run in instructions("RUN"):
        for m in re.finditer(r"apt-get install ([^&;|]*)", run):
            runtime_pkgs |= {w for w in m.group(1).split() if not w.startswith("-")}
    needed = {}  # library -> the programs that link it
    for binary in binaries:
        out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True).stdout
        for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out):
            needed.setdefault(lib, []).append(os.path.basename(binary))
    owners = package_owners(set(needed))
    for lib, programs in sorted(needed.items()):
        owner = owners.get(lib)
        who, verb = " and ".join(programs), "links" if len(programs) == 1 else "link"
        if not owner:
            problems.append(f"Dockerfile: cannot tell which package has {lib} ({who} {verb} it)")
        elif owner not in ("libc6", "libstdc++6", "libgcc-s1") and owner not in runtime_pkgs:
            problems.append(f"Dockerfile: {who} {verb} {lib} from {owner}, which the runtime stage does not install")


# --- main -------------------------------------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("compose_file", nargs="?", default=os.path.join(ROOT, "docker-compose.yaml"))
    parser.add_argument("dockerfile", nargs="?", default=os.path.join(ROOT, "Dockerfile"))
    parser.add_argument("--build-dir", default=os.environ.get("AUCTION_BUILD_DIR") or os.path.join(ROOT, "build"),
                        help="where auction-api and auction-worker are (default $AUCTION_BUILD_DIR, else build/)")
    parser.add_argument("--local-env", default=os.path.join(ROOT, "scripts", "local.env"))
    args = parser.parse_args()
    compose_path, dockerfile_path = os.path.realpath(args.compose_file), os.path.realpath(args.dockerfile)
    build_dir, local_env = os.path.realpath(args.build_dir), os.path.realpath(args.local_env)

    problems, notes = [], []
    try:
        tables = config_tables(build_dir, notes)
        services, version, errors = compose_config(compose_path)
    except CannotCheck as e:
        print(f"compose_check: cannot check: {e}", file=sys.stderr)
        return 2
    problems += errors
    if services is not None:
        print(f"compose_check: docker-compose {version}: config valid (default and --profile dev)")
        # The programs' default ports: the API's PORT and the worker's HEALTH_PORT.
        ports = (int_default(tables, "auction-api", "PORT", problems),
                 int_default(tables, "auction-worker", "HEALTH_PORT", problems))
        env_summary = check_services(services, tables, ports, problems)
        local_count = check_local_env(local_env, read(compose_path), tables, problems)
        check_dockerfile(dockerfile_path, [os.path.join(build_dir, p) for p in PROGRAMS], tables, ports, problems)
        print(f"compose_check: {len(services)} services ({', '.join(sorted(services))})")
        print(f"  program variables from {build_dir}/auction-{{api,worker}} --config-table: "
              f"api {len(tables['auction-api']['names'])}, worker {len(tables['auction-worker']['names'])}")
        print(f"  environment checked: {env_summary}, {os.path.basename(local_env)} {local_count}")
        print("  design ports: " + ", ".join(f"{n} {a}:{b}" for n, s in DESIGN_PORTS.items() for a, b in sorted(s)))
        print("  runtime packages compared with the libraries auction-{api,worker} link (readelf NEEDED)")
    for n in notes:
        print(f"  {n}")
    if problems:
        print(f"compose_check: FAILED, {len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("compose_check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
