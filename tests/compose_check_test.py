#!/usr/bin/env python3
"""The compose check must be able to fail: scripts/compose_check.py on copies of docker-compose.yaml, the Dockerfile
and scripts/local.env with one kind of mistake each exits 1 and lists exactly the problems put in (so the
repository's own files, of which these are copies, pass the rest), and exits 2 naming the cure without a build.

  tests/compose_check_test.py [CASE...]      (ctest: ComposeCheck.<CASE>; no CASE runs them all)

The programs' configuration tables come from $AUCTION_BUILD_DIR (default build/), as in the check itself.
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK = os.path.join(ROOT, "scripts", "compose_check.py")


def doctored(path, *edits):
    """The file's text with each (old, new) replaced once; an edit that no longer applies is an error."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for old, new in edits:
        if text.count(old) != 1:
            raise AssertionError(f"{os.path.relpath(path, ROOT)} no longer has exactly one {old!r}: update this test")
        text = text.replace(old, new)
    return text


def run_check(tmp, compose=None, dockerfile=None, local_env=None, env=None):
    """Runs the check on the repository's files, any of them replaced by the given text; returns (status, output)."""
    paths = []
    for name, text, default in (("docker-compose.yaml", compose, "docker-compose.yaml"),
                                ("Dockerfile", dockerfile, "Dockerfile"),
                                ("local.env", local_env, "scripts/local.env")):
        path = os.path.join(ROOT, default)
        if text is not None:
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        paths.append(path)
    run = subprocess.run([sys.executable, CHECK, "--local-env", paths[2], paths[0], paths[1]], capture_output=True,
                         text=True, env=dict(os.environ, **(env or {})), check=False)
    return run.returncode, run.stdout + run.stderr


def expect_problems(status, output, expected):
    listed = [line[len("  - "):] for line in output.splitlines() if line.startswith("  - ")]
    if status != 1 or sorted(listed) != sorted(expected):
        raise AssertionError("expected exit 1 with exactly these problems:\n  " + "\n  ".join(expected) +
                             f"\ngot exit {status}:\n{output}")


def compose_variables(tmp):
    """A variable nothing reads, a required one left out, and the API's PORT on the workers."""
    compose = doctored(os.path.join(ROOT, "docker-compose.yaml"),
                       ("  LOG_LEVEL: info\n", "  LOG_LEVEL: info\n  DATABASE_URL: postgres://db/auction\n"),
                       ("  AWS_BUCKET: auction-images\n", ""),
                       ('  HEALTH_PORT: "8090"\n', '  HEALTH_PORT: "8090"\n  PORT: "8080"\n'))
    status, output = run_check(tmp, compose=compose)
    expect_problems(status, output, [
        f"{service}: sets DATABASE_URL, which {program} does not read"
        for service, program in (("auction-api", "auction-api"), ("auction-api-dev", "auction-api"),
                                 ("auction-worker", "auction-worker"), ("auction-worker-dev", "auction-worker"))
    ] + [
        f"{service}: auction-api requires AWS_BUCKET, which is not set"
        for service in ("auction-api", "auction-api-dev")
    ] + [
        f"{service}: sets PORT, which auction-worker does not read (only the other program reads it)"
        for service in ("auction-worker", "auction-worker-dev")
    ])


def local_env(tmp):
    """scripts/local.env with a name no program reads and without a required variable."""
    text = doctored(os.path.join(ROOT, "scripts", "local.env"),
                    ("RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672/\n", "BOGUS_SETTING=1\n"))
    status, output = run_check(tmp, local_env=text)
    shown = os.path.join(os.path.realpath(tmp), "local.env")
    expect_problems(status, output, [
        f"{shown}: sets BOGUS_SETTING, which neither program reads (nor the compose file substitutes)",
        f"{shown}: auction-api and auction-worker require RABBITMQ_URL, which is not set",
    ])


def runtime_library(tmp):
    """A runtime stage that leaves out the package of a library both programs link."""
    dockerfile = doctored(os.path.join(ROOT, "Dockerfile"), (" libpq5 ", " "))
    status, output = run_check(tmp, dockerfile=dockerfile)
    expect_problems(status, output, [
        "Dockerfile: auction-api and auction-worker link libpq.so.5 from libpq5, which the runtime stage does not "
        "install",
    ])


def needs_the_build(tmp):
    """Without the built programs there is no table: exit 2, saying to build first."""
    status, output = run_check(tmp, env={"AUCTION_BUILD_DIR": tmp})
    if status != 2 or "build first" not in output or "auction-api not found" not in output:
        raise AssertionError(f"expected exit 2 saying auction-api is not found and to build first; got exit "
                             f"{status}:\n{output}")


CASES = {
    "ComposeVariables": compose_variables,
    "LocalEnv": local_env,
    "RuntimeLibrary": runtime_library,
    "NeedsTheBuild": needs_the_build,
}


def main():
    names = sys.argv[1:] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown case(s) {unknown}; cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        with tempfile.TemporaryDirectory(prefix="compose_check_test.") as tmp:
            try:
                CASES[name](tmp)
                print(f"ComposeCheck.{name}: ok")
            except AssertionError as e:
                print(f"ComposeCheck.{name}: FAILED: {e}")
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
