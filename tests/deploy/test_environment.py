"""The environment file template lists every variable the portal reads, each
with its comment, and README's table does too; with the template's values the
production settings pass `manage.py check --deploy`."""

import re
import secrets
import subprocess
import sys

from tests.deploy.workers import ROOT

TEMPLATE = ROOT / "deploy" / "union-portal.env.example"
PYTHON_READS = re.compile(
    r"""(?:os\.environ\.get|os\.environ\[|env_bool|env_list|os\.getenv)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
)
SHELL_READS = re.compile(r"\$\{([A-Z][A-Z0-9_]+)(?::-|\})")


def variables_read():
    names = set()
    for path in [*(ROOT / "union_portal").rglob("*.py"), ROOT / "deploy" / "gunicorn.conf.py"]:
        names |= set(PYTHON_READS.findall(path.read_text()))
    for path in [ROOT / "scripts" / "env.sh", ROOT / "scripts" / "backup.sh",
                 *(ROOT / "deploy" / "systemd").glob("*.service")]:  # fmt: skip
        names |= set(SHELL_READS.findall(path.read_text()))
    return names


def template_entries():
    """NAME -> (value, comment above it) for every NAME= line, commented out or not."""
    entries, comment = {}, []
    for line in TEMPLATE.read_text().splitlines():
        match = re.match(r"^(# )?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            entries[match.group(2)] = (match.group(1) is None, match.group(3), " ".join(comment))
            comment = []
        elif line.startswith("#"):
            comment.append(line.lstrip("# "))
        else:
            comment = []
    return entries


def test_the_template_lists_every_variable_with_a_comment():
    entries = template_entries()
    read = variables_read()
    assert {"DJANGO_SECRET_KEY", "SENTRY_DSN", "BACKUP_KEEP_DAYS", "GUNICORN_WORKERS"} <= read
    assert read - set(entries) == set()
    uncommented = [name for name, (_, _, comment) in entries.items() if not comment.strip()]
    assert uncommented == []


def test_readme_has_every_variable():
    readme = (ROOT / "README.md").read_text()
    assert [name for name in template_entries() if f"`{name}`" not in readme] == []


def production_env(**overrides):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    for name, (active, value, _) in template_entries().items():
        if active:
            env[name] = value
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_SETTINGS_MODULE="union_portal.settings"
    )
    env.update(overrides)
    return env


def manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_check_deploy_is_clean_with_the_template():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_debug_and_a_missing_secret_key():
    debug = manage("check", env=production_env(DJANGO_DEBUG="1"))
    assert debug.returncode != 0 and "needs DJANGO_DEBUG off" in debug.stderr
    no_key = manage("check", env=production_env(DJANGO_SECRET_KEY=""))
    assert no_key.returncode != 0 and "needs DJANGO_SECRET_KEY" in no_key.stderr
