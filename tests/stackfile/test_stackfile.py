"""The stack-file loader reads `stack.yaml` as faas-cli does (openfaas/go-sdk `stack`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from components.stackfile import (
    Function,
    FunctionResources,
    StackFileError,
    default_stack_path,
    glob_match,
    image_reference,
    load_stack,
    select_functions,
)

API_KEY_PROTECTED = """\
provider:
  name: faas
  gateway: http://localhost:8080

functions:
  protectedapi:
    lang: Dockerfile
    skip_build: true
    image: functions/api-key-protected:latest
    secrets:
     - secret_api_key
"""


def write(tmp_path: Path, text: str, name: str = "stack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def stack_with(tmp_path: Path, function_body: str) -> Function:
    text = "provider:\n  name: openfaas\nfunctions:\n  fn:\n" + "".join(
        f"    {line}\n" for line in function_body.splitlines()
    )
    return load_stack(write(tmp_path, text), env={}).functions["fn"]


def test_reads_the_api_key_protected_example(tmp_path: Path) -> None:
    stack = load_stack(write(tmp_path, API_KEY_PROTECTED), env={})
    assert stack.provider.gateway == "http://localhost:8080"
    assert stack.functions == {
        "protectedapi": Function(
            name="protectedapi",
            line=6,
            lang="dockerfile",  # go-sdk lower-cases "Dockerfile"
            skip_build=True,
            image="functions/api-key-protected:latest",
            secrets=("secret_api_key",),
        )
    }


def test_legacy_provider_name_faas_is_accepted_with_a_deprecation_warning(tmp_path: Path) -> None:
    path = write(tmp_path, API_KEY_PROTECTED)
    assert load_stack(path, env={}).warnings == (
        f"{path}:2: provider.name 'faas' is deprecated: change it to 'openfaas'",
    )


def test_other_provider_names_are_rejected_as_faas_cli_does(tmp_path: Path) -> None:
    path = write(tmp_path, "provider:\n  name: serverless\nfunctions:\n  fn:\n    image: a\n")
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={})
    assert str(caught.value) == (
        f"{path}:2: ['openfaas'] is the only valid \"provider.name\" for the OpenFaaS CLI, "
        "but you gave: serverless: change it to 'openfaas'"
    )


def test_scalars_keep_their_raw_text_as_go_yaml_decodes_them(tmp_path: Path) -> None:
    fn = stack_with(
        tmp_path,
        "image: a\nlabels:\n  com.openfaas.scale.zero: false\n  scale: 1\n"
        "environment:\n  version: 1.0\n  debug: True\n  empty:\n",
    )
    assert fn.labels == {"com.openfaas.scale.zero": "false", "scale": "1"}
    assert fn.environment == {"version": "1.0", "debug": "True", "empty": ""}


def test_every_deploy_time_field_is_read(tmp_path: Path) -> None:
    fn = stack_with(
        tmp_path,
        "image: ghcr.io/o/fn:1\nfprocess: cat\nnamespace: team-a\nreadonly_root_filesystem: true\n"
        "constraints:\n  - node.role == worker\nannotations:\n  topic: cron\n"
        "limits:\n  memory: 128Mi\n  cpu: 200m\nrequests:\n  memory: 64Mi\n"
        "build_args:\n  GO111MODULE: on\nbuild_options:\n  - dev\nplatforms: linux/amd64\n"
        "handler: ./fn\nlang: go",
    )
    assert (fn.image, fn.fprocess, fn.namespace, fn.readonly_root_filesystem) == (
        "ghcr.io/o/fn:1",
        "cat",
        "team-a",
        True,
    )
    assert fn.constraints == ("node.role == worker",)
    assert fn.annotations == {"topic": "cron"}
    assert fn.limits == FunctionResources(memory="128Mi", cpu="200m")
    assert fn.requests == FunctionResources(memory="64Mi")
    assert (fn.build_args, fn.build_options, fn.platforms, fn.handler, fn.lang) == (
        {"GO111MODULE": "on"},
        ("dev",),
        "linux/amd64",
        "./fn",
        "go",
    )


def test_absent_constraints_and_limits_are_none_not_empty(tmp_path: Path) -> None:
    fn = stack_with(tmp_path, "image: a")
    assert (fn.constraints, fn.limits, fn.requests) == (None, None, None)


def test_variables_are_substituted_before_parsing(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "provider:\n  name: openfaas\n  gateway: http://${GATEWAY_IP}:8080\nfunctions:\n"
        "  fn:\n    image: ${DOCKER_USER:-alexellis2}/url-ping:0.3\n",
    )
    stack = load_stack(path, env={"DOCKER_USER": "team"})
    assert stack.provider.gateway == "http://:8080"
    assert stack.functions["fn"].image == "team/url-ping:0.3"


def test_a_bad_substitution_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "provider:\n  name: openfaas\nfunctions:\n  fn:\n    image: ${TAG-dev}\n")
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={})
    assert str(caught.value) == (
        f"{path}:5: function 'fn': faas-cli cannot substitute '${{TAG-dev}}' (missing closing brace): "
        "faas-cli has no '-' form, write '${TAG:-default}' for a default"
    )


def test_environment_files_merge_over_environment_and_later_files_win(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    write(tmp_path, "environment:\n  a: file1\n  b: file1\n", "conf/one.yml")
    write(tmp_path, "environment:\n  b: file2\n", "conf/two.yml")
    fn = stack_with(
        tmp_path,
        "image: a\nenvironment:\n  a: inline\n  c: inline\n"
        "environment_file:\n  - conf/one.yml\n  - conf/two.yml",
    )
    assert fn.environment == {"a": "file1", "b": "file2", "c": "inline"}
    assert fn.environment_file == ("conf/one.yml", "conf/two.yml")


def test_environment_files_are_read_relative_to_the_stack_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "environment:\n  from: file\n", "env.yml")
    path = write(
        tmp_path,
        "provider:\n  name: openfaas\nfunctions:\n  fn:\n    image: a\n    environment_file: [env.yml]\n",
    )
    monkeypatch.chdir("/")
    assert load_stack(path, env={}).functions["fn"].environment == {"from": "file"}


def test_a_missing_environment_file_is_an_error_naming_function_and_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "provider:\n  name: openfaas\nfunctions:\n  fn:\n    image: a\n"
        "    environment_file:\n      - gone.yml\n",
    )
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={})
    assert str(caught.value) == (
        f"{path}:7: function 'fn': environment_file 'gone.yml' not found "
        f"(looked for {tmp_path / 'gone.yml'}): create it or remove it from the list"
    )


def test_duplicate_keys_are_an_error_with_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path, "provider:\n  name: openfaas\nfunctions:\n  fn:\n    image: a\n  fn:\n    image: b\n"
    )
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={})
    assert str(caught.value) == (
        f'{path}:6: mapping key "fn" already defined at line 4 (functions): remove or rename one of them'
    )


def test_a_tab_in_indentation_is_a_yaml_error_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "provider:\n  name: openfaas\nfunctions:\n  fn:\n    image: a\n\tlang: go\n")
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={})
    assert caught.value.line == 6
    assert "indent with spaces, YAML does not allow TAB characters" in str(caught.value)


def test_secrets_written_as_a_string_is_an_error_that_shows_the_list_form(tmp_path: Path) -> None:
    with pytest.raises(StackFileError) as caught:
        stack_with(tmp_path, "image: a\nsecrets: api-key")
    assert caught.value.message == (
        "function 'fn': 'secrets' must be a list, not the value 'api-key': "
        "write it as a list, e.g.\n  - api-key"
    )


def test_environment_written_as_a_list_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StackFileError) as caught:
        stack_with(tmp_path, "image: a\nenvironment:\n  - GREETING: Hello")
    assert caught.value.message == (
        "function 'fn': 'environment' must be a mapping ('KEY: value' lines), not a list: remove the '- '"
    )


def test_a_likely_typo_gets_a_warning_that_suggests_the_key(tmp_path: Path) -> None:
    path = write(
        tmp_path, "provider:\n  name: openfaas\nfunctions:\n  fn:\n    image: a\n    secret:\n      - k\n"
    )
    assert load_stack(path, env={}).warnings == (
        f"{path}:6: unknown key 'secret' in function 'fn' is ignored: did you mean 'secrets'?",
    )


def test_an_extension_key_is_never_taken_for_a_typo(tmp_path: Path) -> None:
    path = write(tmp_path, "provider:\n  name: openfaas\nfunctions:\n  fn:\n    image: a\nx-functions: {}\n")
    assert load_stack(path, env={}).warnings == ()


def test_unrelated_unknown_keys_are_ignored_silently(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "provider:\n  name: openfaas\nfunctions:\n  fn:\n    image: a\n    imagePullPolicy: Always\n",
    )
    assert load_stack(path, env={}).warnings == ()


def test_only_version_1_0_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 2.0\nprovider:\n  name: openfaas\nfunctions:\n  fn:\n    image: a\n")
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={})
    assert caught.value.message == (
        "['1.0'] are the only valid versions for the stack file - found: 2.0: "
        "write 'version: 1.0' or remove the line"
    )


def test_a_missing_stack_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(StackFileError) as caught:
        load_stack(tmp_path / "stack.yaml", env={})
    assert caught.value.message == (
        "stack file not found (nor stack.yml next to it): create it, or point the 'stackFile' "
        "config at yours with `pulumi config set stackFile <path, relative to the project>`"
    )


def test_default_stack_file_is_stack_yaml_else_stack_yml(tmp_path: Path) -> None:
    assert default_stack_path(tmp_path) == tmp_path / "stack.yaml"
    write(tmp_path, "x", "stack.yml")
    assert default_stack_path(tmp_path) == tmp_path / "stack.yml"
    write(tmp_path, "x", "stack.yaml")
    assert default_stack_path(tmp_path) == tmp_path / "stack.yaml"


def test_filter_and_regex_select_functions_as_faas_cli_does(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "provider:\n  name: openfaas\nfunctions:\n"
        "  api-a:\n    image: a\n  api-b:\n    image: b\n  web:\n    image: c\n",
    )
    stack = load_stack(path, env={})
    assert sorted(select_functions(stack, filter="api-*").functions) == ["api-a", "api-b"]
    assert sorted(select_functions(stack, regex="-b").functions) == ["api-b"]
    with pytest.raises(StackFileError, match="no functions matching --filter/--regex"):
        select_functions(stack, filter="nothing*")


def test_yaml_merge_keys_are_expanded_as_go_yaml_does(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "provider:\n  name: openfaas\nfunctions:\n  a: &base\n    image: ghcr.io/o/a:1\n"
        "    environment:\n      mode: fast\n  b:\n    <<: *base\n    fprocess: cat\n",
    )
    b = load_stack(path, env={}).functions["b"]
    assert (b.image, b.environment, b.fprocess) == ("ghcr.io/o/a:1", {"mode": "fast"}, "cat")


def test_keys_of_a_mapping_override_the_keys_it_merges(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "provider:\n  name: openfaas\nfunctions:\n  a: &base\n    image: ghcr.io/o/a:1\n"
        "  b:\n    <<: *base\n    image: ghcr.io/o/b:2\n",
    )
    assert load_stack(path, env={}).functions["b"].image == "ghcr.io/o/b:2"


def stack_text(function_body: str) -> str:
    return "provider:\n  name: openfaas\nfunctions:\n  fn:\n" + "".join(
        f"    {line}\n" for line in function_body.splitlines()
    )


def test_a_tab_after_a_colon_is_accepted_as_yaml_v3_does(tmp_path: Path) -> None:
    fn = stack_with(tmp_path, "image: a\nenvironment:\n  read_timeout:\t60\n  mode: fast\t# comment")
    assert fn.environment == {"read_timeout": "60", "mode": "fast"}


def test_a_pair_with_a_null_key_and_null_list_items_are_dropped(tmp_path: Path) -> None:
    fn = stack_with(tmp_path, "image: a\nenvironment:\n  ~: x\n  mode: fast\nsecrets:\n  - a\n  - ~\n  - b")
    assert (fn.environment, fn.secrets) == ({"mode": "fast"}, ("a", "b"))


def test_only_the_first_yaml_document_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, stack_text("image: a") + "---\n[ not read\n")
    assert list(load_stack(path, env={}).functions) == ["fn"]


def test_two_merge_keys_in_one_mapping_are_a_duplicate_key(tmp_path: Path) -> None:
    with pytest.raises(StackFileError) as caught:
        stack_with(tmp_path, "image: a\nlabels:\n  <<: {a: '1'}\n  <<: {b: '2'}")
    assert (caught.value.line, caught.value.message) == (
        8,
        "mapping key \"<<\" already defined at line 7 (function 'fn': 'labels'): "
        "remove or rename one of them",
    )


def test_the_first_of_several_merged_mappings_wins(tmp_path: Path) -> None:
    fn = stack_with(
        tmp_path, "image: a\nx: [&one {team: one}, &two {team: two, tier: web}]\nlabels:\n  <<: [*one, *two]"
    )
    assert fn.labels == {"team": "one", "tier": "web"}


def test_a_quoted_true_is_text_not_a_boolean(tmp_path: Path) -> None:
    with pytest.raises(StackFileError) as caught:
        stack_with(tmp_path, 'image: a\nreadonly_root_filesystem: "true"')
    assert caught.value.message == (
        "function 'fn': 'readonly_root_filesystem' must be true or false, not 'true' "
        "(a quoted value is text, not a boolean: remove the quotes)"
    )


def test_yaml_1_1_words_are_booleans_quoted_or_not_as_yaml_v3_decodes_a_bool(tmp_path: Path) -> None:
    assert stack_with(tmp_path, 'image: a\nreadonly_root_filesystem: "yes"').readonly_root_filesystem


def test_dollar_dollar_and_backslash_escapes_are_processed_before_parsing(tmp_path: Path) -> None:
    fn = stack_with(tmp_path, "image: a\nenvironment:\n  price: $$5\n  path: a\\\\b\n  url: http:\\/\\/x")
    assert fn.environment == {"price": "$5", "path": "a\\b", "url": "http://x"}


def test_functions_are_selected_before_any_environment_file_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "provider:\n  name: openfaas\nfunctions:\n  kept:\n    image: a\n"
        "  other:\n    image: b\n    environment_file:\n      - missing.yml\n",
    )
    assert list(load_stack(path, env={}, filter="kept").functions) == ["kept"]


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [("api-*", "api-a", True), ("*-b", "api-b", True), ("a*b", "api-b", True), ("api-?", "api-a", False),
     ("[a]pi-a", "api-a", False), ("api-a", "api-a", True), ("*", "x", True), ("a*", "ba", False)],
)  # fmt: skip
def test_filter_treats_only_star_as_special(pattern: str, name: str, matches: bool) -> None:
    assert glob_match(pattern, name) is matches


def test_regex_has_go_re2_semantics_so_a_backreference_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, stack_text("image: a"))
    with pytest.raises(StackFileError) as caught:
        load_stack(path, env={}, regex="(f)\\1")
    assert caught.value.message == (
        "the 'regex' config '(f)\\1' is not a valid Go (RE2) regular expression: invalid escape "
        "sequence: \\1: faas-cli's --regex has no backreferences or lookarounds; fix it or use 'filter'"
    )


def test_a_catastrophic_regex_runs_in_linear_time(tmp_path: Path) -> None:
    name = "a" * 40 + "-a"
    path = write(tmp_path, f"provider:\n  name: openfaas\nfunctions:\n  {name}:\n    image: a\n")
    assert list(load_stack(path, env={}, regex="(a+)+$").functions) == [name]


@pytest.mark.parametrize(
    ("image", "deployed"),
    [("a", "a:latest"), ("ghcr.io/o/a:1", "ghcr.io/o/a:1"), ("localhost:5000/a", "localhost:5000/a:latest"),
     ("a@sha256:" + "0" * 64, "a@sha256:" + "0" * 64)],
)  # fmt: skip
def test_an_image_without_a_tag_is_deployed_as_latest_as_faas_cli_does(image: str, deployed: str) -> None:
    assert image_reference(image) == deployed


def test_a_stack_file_outside_the_project_is_refused_without_reading_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    outside = write(tmp_path, "secret: do-not-print-this\n", "outside.yaml")
    with pytest.raises(StackFileError) as caught:
        load_stack(outside, env={}, project=project)
    assert caught.value.message == (
        f"the 'stackFile' config points outside the project folder {project}: put the stack file in "
        "the project and set a path relative to it with `pulumi config set stackFile <path>`"
    )


def test_without_google_re2_a_regex_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "re2", None)  # `import re2` raises ImportError
    with pytest.raises(StackFileError) as caught:
        load_stack(write(tmp_path, stack_text("image: a")), env={}, regex="f")
    assert caught.value.message == (
        "the 'regex' config needs the google-re2 package (Go's regular expressions, as faas-cli "
        "uses): install it with `pip install -r requirements.txt`"
    )


def test_without_libyaml_the_error_says_how_to_reinstall_pyyaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("yaml.__with_libyaml__", False)
    with pytest.raises(StackFileError) as caught:
        load_stack(write(tmp_path, stack_text("image: a")), env={})
    assert caught.value.message == (
        "PyYAML was installed without libyaml, which reading stack files as faas-cli does needs: "
        "reinstall it from a wheel with `pip install --force-reinstall -r requirements.txt`"
    )
