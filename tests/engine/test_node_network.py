"""The local node keeps its traffic on the machine: nothing for the pod or service ranges leaves."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from tests.engine.kube_support import require_node

pytestmark = pytest.mark.engine
POD_CIDR, SERVICE_CIDR, BRIDGE = "198.18.0.0/24", "198.18.1.0/24", "ofs0"
REJECT = "--reject-with icmp-port-unreachable"


def rules(*args: str) -> list[str]:
    return subprocess.run(
        ["iptables", "-w", *args], check=True, capture_output=True, text=True
    ).stdout.splitlines()


def test_a_connection_to_an_unused_cluster_ip_is_refused_on_the_machine_at_once() -> None:
    require_node()
    started = time.monotonic()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("198.18.1.250", 80), timeout=5):
        pass
    assert time.monotonic() - started < 1


def test_the_guard_drops_whatever_would_leave_for_or_from_the_ranges_by_another_interface() -> None:
    require_node()
    assert rules("-t", "mangle", "-S", "OFS-GUARD") == [
        "-N OFS-GUARD",
        "-A OFS-GUARD -o lo -j RETURN",
        f"-A OFS-GUARD -o {BRIDGE} -j RETURN",
        f"-A OFS-GUARD -d {SERVICE_CIDR} -j DROP",
        f"-A OFS-GUARD -d {POD_CIDR} -j DROP",
        f"-A OFS-GUARD -s {POD_CIDR} -j DROP",
    ]
    assert rules("-t", "mangle", "-S", "POSTROUTING")[1] == "-A POSTROUTING -j OFS-GUARD"


def test_the_guard_also_refuses_early_in_output_and_forward() -> None:
    """dockerd (re)started later puts its own jumps first; the mangle guard above does not move."""
    require_node()
    for chain in ("OUTPUT", "FORWARD"):
        assert f"-A {chain} -j OFS-GUARD" in rules("-S", chain)
    assert rules("-S", "OFS-GUARD") == [
        "-N OFS-GUARD",
        "-A OFS-GUARD -o lo -j RETURN",
        f"-A OFS-GUARD -d {SERVICE_CIDR} ! -o {BRIDGE} -m conntrack ! --ctstate DNAT -j REJECT {REJECT}",
        f"-A OFS-GUARD -d {POD_CIDR} ! -o {BRIDGE} -m conntrack ! --ctstate DNAT -j REJECT {REJECT}",
        f"-A OFS-GUARD -s {POD_CIDR} ! -o {BRIDGE} -j REJECT {REJECT}",
    ]
