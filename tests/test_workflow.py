"""The pull-request review workflow (`.github/workflows/pulumi.yml`), checked without GitHub.

It cannot run here, so these tests hold it to what the `pulumi/actions` action declares and to
what the README promises: a diff preview commented on pull requests, `up` on pushes to main, the
state backend and passphrase from repository secrets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "pulumi.yml"

# The input names declared in `action.yml` of github.com/pulumi/actions at commit
# 4ddd4329226d5f7fdca0bc1fe3a0a659f4de25fe (the v5 line, after release 5.5.1): names only, as data.
PULUMI_ACTION_INPUTS = frozenset(
    {
        "command",
        "stack-name",
        "pulumi-version",
        "pulumi-version-file",
        "work-dir",
        "comment-on-pr",
        "comment-on-pr-number",
        "comment-on-summary",
        "github-token",
        "cloud-url",
        "secrets-provider",
        "parallel",
        "message",
        "config-map",
        "expect-no-changes",
        "diff",
        "replace",
        "target",
        "target-dependents",
        "policyPacks",
        "policyPackConfigs",
        "refresh",
        "upsert",
        "remove",
        "edit-pr-comment",
        "color",
        "exclude-protected",
        "plan",
        "suppress-outputs",
        "suppress-progress",
        "always-include-summary",
    }
)


def load() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict)
    return data


def pulumi_steps(job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = load()["jobs"][job]["steps"]
    return [s for s in steps if str(s.get("uses", "")).startswith("pulumi/actions@")]


def triggers() -> dict[str, Any]:
    data = load()
    # YAML 1.1 reads the bare key `on` as the boolean true.
    on = data["on"] if "on" in data else data[True]
    assert isinstance(on, dict)
    return on


@pytest.mark.parametrize("job", ["preview", "up"])
def test_every_input_given_to_pulumi_actions_is_one_the_action_declares(job: str) -> None:
    [step] = pulumi_steps(job)
    assert set(step["with"]) - PULUMI_ACTION_INPUTS == set()


def test_pull_requests_get_a_diff_preview_commented_on_them() -> None:
    [step] = pulumi_steps("preview")
    assert load()["jobs"]["preview"]["if"] == "github.event_name == 'pull_request'"
    assert step["with"]["command"] == "preview"
    assert step["with"]["diff"] is True
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["github-token"] == "${{ secrets.GITHUB_TOKEN }}"
    assert load()["permissions"]["pull-requests"] == "write"
    assert "pull_request" in triggers()


def test_a_push_to_main_runs_up() -> None:
    [step] = pulumi_steps("up")
    assert load()["jobs"]["up"]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert step["with"]["command"] == "up"
    assert triggers()["push"] == {"branches": ["main"]}


def test_the_backend_and_passphrase_come_from_repository_secrets() -> None:
    env = load()["env"]
    assert env["PULUMI_BACKEND_URL"] == "${{ secrets.PULUMI_BACKEND_URL }}"
    assert env["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"


@pytest.mark.parametrize("job", ["preview", "up"])
def test_both_jobs_install_the_program_and_the_policy_pack_and_run_the_pack(job: str) -> None:
    steps = load()["jobs"][job]["steps"]
    scripts = "\n".join(str(s.get("run", "")) for s in steps)
    assert ".venv/bin/pip install -r requirements.txt" in scripts
    assert "policy/.venv/bin/pip install -r policy/requirements.txt" in scripts
    assert any(str(s.get("uses", "")).startswith("actions/setup-python@") for s in steps)
    [step] = pulumi_steps(job)
    assert step["with"]["policyPacks"] == "policy"


def test_the_readme_documents_the_review_workflow_and_its_secrets() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Review in a pull request", 1)[1].split("\n## ", 1)[0]
    for needle in (
        "PULUMI_BACKEND_URL",
        "PULUMI_CONFIG_PASSPHRASE",
        ".github/workflows/pulumi.yml",
        "policy",
    ):
        assert needle in section
