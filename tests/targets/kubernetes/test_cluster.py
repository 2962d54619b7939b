"""Finding the Kubernetes API server the provider will use, and refusing one that is down."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from components.shared.kubeconfig import is_inline_kubeconfig
from components.targets.kubernetes.cluster import (
    ClusterUnreachable,
    KubeconfigError,
    api_server,
    require_reachable,
)

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: local
contexts:
  - name: local
    context: {cluster: local}
  - name: other
    context: {cluster: other}
clusters:
  - name: local
    cluster: {server: "https://127.0.0.1:6443"}
  - name: other
    cluster: {server: "https://10.0.0.1:443"}
"""


def test_the_server_comes_from_the_current_context_of_the_configured_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    assert api_server(str(path), None, {}) == ("https://127.0.0.1:6443", str(path))


def test_a_configured_context_wins_and_inline_kubeconfig_text_is_read() -> None:
    assert api_server(KUBECONFIG, "other", {}) == ("https://10.0.0.1:443", "the kubernetes:kubeconfig config")


def test_the_kubeconfig_environment_variable_is_used_when_no_config_is_set(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    assert api_server(None, None, {"KUBECONFIG": str(path)}) == ("https://127.0.0.1:6443", str(path))


def test_a_configured_kubeconfig_that_does_not_exist_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError) as caught:
        api_server(str(tmp_path / "missing"), None, {})
    assert str(caught.value) == (
        f"config 'kubernetes:kubeconfig' names {tmp_path / 'missing'}, which does not exist: fix it, "
        "or set `pulumi config set kubernetes:kubeconfig <path>` to the kubeconfig to use"
    )


def test_no_kubeconfig_anywhere_means_nothing_to_check(tmp_path: Path) -> None:
    assert api_server(None, None, {"KUBECONFIG": str(tmp_path / "none")}) is None


def test_an_empty_kubeconfig_and_a_directory_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("")
    with pytest.raises(KubeconfigError, match="which is empty"):
        api_server(str(tmp_path / "empty"), None, {})
    with pytest.raises(KubeconfigError, match="which is not a file"):
        api_server(str(tmp_path), None, {})


def test_a_context_the_kubeconfig_does_not_define_is_an_error_listing_those_it_does() -> None:
    with pytest.raises(KubeconfigError) as caught:
        api_server(KUBECONFIG, "gone", {})
    assert str(caught.value).startswith(
        "config 'kubernetes:context' is 'gone', which the kubernetes:kubeconfig config does not define "
        "(its contexts: "
    )


def test_kubeconfig_files_are_merged_as_kubectl_merges_them_the_first_setting_winning(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("apiVersion: v1\ncurrent-context: lab\n")
    (tmp_path / "b").write_text(
        "apiVersion: v1\ncurrent-context: other\ncontexts: [{name: lab, context: {cluster: c}}]\n"
        "clusters: [{name: c, cluster: {server: 'https://10.1.2.3:6443'}}]\n"
    )
    listed = f"{tmp_path / 'a'}:{tmp_path / 'missing'}:{tmp_path / 'b'}"
    assert api_server(None, None, {"KUBECONFIG": listed}) == (
        "https://10.1.2.3:6443",
        f"$KUBECONFIG ({listed})",
    )


def test_a_server_that_refuses_connections_is_reported_with_its_source_and_the_fix() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ClusterUnreachable) as caught:
        require_reachable(f"https://127.0.0.1:{port}", "/home/me/.kube/config")
    assert str(caught.value) == (
        f"cannot reach the Kubernetes API server https://127.0.0.1:{port} (from /home/me/.kube/config): "
        "connection refused: start the cluster, or point `pulumi config set kubernetes:kubeconfig <path>` "
        "(and `kubernetes:context`) at one that runs"
    )


def test_a_listening_server_passes() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        require_reachable(f"https://127.0.0.1:{server.getsockname()[1]}", "test")


def kubeconfig_with(server: str) -> str:
    return KUBECONFIG.replace("https://127.0.0.1:6443", server)


@pytest.mark.parametrize(
    "server",
    ["https://127.0.0.1:64x3", "https://127.0.0.1:99999", "https://[::1:6443", "https://[::1]:x"],
)
def test_a_server_with_an_invalid_port_or_bracket_is_a_clear_error_naming_the_file(server: str) -> None:
    found = api_server(kubeconfig_with(server), None, {})
    assert found is not None
    with pytest.raises(KubeconfigError) as caught:
        require_reachable(*found)
    assert str(caught.value) == (
        f"the Kubernetes API server {server!r} (from the kubernetes:kubeconfig config) is not a valid URL "
        "(a port that is not a number from 1 to 65535, or an unclosed '['): fix the cluster's `server:` in "
        "the kubernetes:kubeconfig config (e.g. https://127.0.0.1:6443), or point `pulumi config set "
        "kubernetes:kubeconfig <path>` at another kubeconfig"
    )


def test_a_server_without_a_scheme_is_a_clear_error() -> None:
    with pytest.raises(
        KubeconfigError, match=r"^the Kubernetes API server '127.0.0.1:6443' \(from k\) is not"
    ):
        require_reachable("127.0.0.1:6443", "k")


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\ncontexts: {a: b}\ncurrent-context: a\n",
        "apiVersion: v1\ncontexts: [{name: a, context: null}]\ncurrent-context: a\n",
        "apiVersion: v1\ncontexts: [{name: a, context: cluster}]\ncurrent-context: [a]\n",
        "apiVersion: v1\n" + "[" * 5000,
    ],
)
def test_a_kubeconfig_of_another_shape_is_an_error(text: str) -> None:
    with pytest.raises(KubeconfigError):
        api_server(text, None, {})


def test_a_kubeconfig_that_is_a_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "config"
    os.mkfifo(fifo)
    with pytest.raises(KubeconfigError, match="which is not a file"):
        api_server(str(fifo), None, {})


ONE_LINE = (
    '{"apiVersion": "v1", "current-context": "local", "contexts": [{"name": "local", "context": '
    '{"cluster": "local"}}], "clusters": [{"name": "local", "cluster": {"server": "https://127.0.0.1:6443"}}]}'
)


@pytest.mark.parametrize(
    "text",
    [
        "# the lab cluster\n" + KUBECONFIG,
        "---\n" + KUBECONFIG,
        "users:\n- name: me\n  user: {token: abc}\n" + KUBECONFIG,
        "\n\n" + KUBECONFIG,
        ONE_LINE,
        "  " + ONE_LINE,
        "--- " + ONE_LINE,
        "!!map " + ONE_LINE,
    ],
    ids=[
        "comment",
        "document-start",
        "users-first",
        "blank-lines",
        "json",
        "json-indented",
        "flow",
        "tagged",
    ],
)
def test_kubeconfig_content_in_any_order_or_form_is_content_and_its_server_is_found(text: str) -> None:
    assert is_inline_kubeconfig(text)
    assert api_server(text, None, {}) == ("https://127.0.0.1:6443", "the kubernetes:kubeconfig config")


@pytest.mark.parametrize(
    "path", ["/home/me/.kube/config", "kubeconfig.yaml", "~/.kube/lab", "C:\\Users\\me\\.kube\\config", ""]
)
def test_a_path_is_a_path_whether_or_not_the_file_exists(path: str) -> None:
    assert not is_inline_kubeconfig(path)


def test_an_existing_file_is_a_path_even_when_its_name_reads_as_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "apiVersion: v1").write_text(KUBECONFIG)
    assert not is_inline_kubeconfig("apiVersion: v1")
    assert api_server("apiVersion: v1", None, {}) == ("https://127.0.0.1:6443", "apiVersion: v1")


def test_a_path_under_the_home_folder_is_read_with_the_tilde_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "lab").write_text(KUBECONFIG)
    assert api_server("~/lab", None, {}) == ("https://127.0.0.1:6443", str(tmp_path / "lab"))


def test_a_one_line_merge_key_bomb_is_judged_without_expanding_it() -> None:
    bomb = "--- {m0: &m0 {k: v}" + "".join(
        f", m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}" for i in range(1, 40)
    )
    assert is_inline_kubeconfig(bomb + "}")


OIDC_KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: sso
contexts:
  - name: sso
    context: {cluster: local, user: alice}
clusters:
  - name: local
    cluster: {server: "https://127.0.0.1:6443"}
users:
  - name: alice
    user:
      auth-provider:
        name: oidc
        config:
          idp-issuer-url: https://issuer.example
          client-id: k8s
          client-secret: not-a-real-client-secret
          refresh-token: not-a-real-refresh-token
          id-token: expired
"""


def test_an_oidc_user_whose_issuer_cannot_be_verified_is_refused_naming_both_fixes(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(OIDC_KUBECONFIG)
    with pytest.raises(KubeconfigError) as caught:
        api_server(str(path), None, {})
    assert str(caught.value) == (
        f"context 'sso' of {path} signs in as user 'alice' with `auth-provider: oidc` and no "
        "`idp-certificate-authority`: on an expired token the program's checks would send its refresh "
        "token to an issuer they cannot verify. Add `idp-certificate-authority: <the issuer's CA file>` "
        "(for a public issuer, /etc/ssl/certs/ca-certificates.crt) to that user's auth-provider config, or "
        "sign in with an exec plugin instead (kubelogin: `kubectl oidc-login setup`)"
    )
    assert "not-a-real" not in str(caught.value)


def test_an_oidc_user_with_the_issuers_certificate_authority_passes(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        OIDC_KUBECONFIG.replace(
            "          id-token: expired\n",
            "          id-token: expired\n"
            "          idp-certificate-authority: /etc/ssl/certs/ca-certificates.crt\n",
        )
    )
    assert api_server(str(path), None, {}) == ("https://127.0.0.1:6443", str(path))
