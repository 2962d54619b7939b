#!/usr/bin/env python3
"""Pack one static binary into an OCI image archive that `ctr images import` loads.

    scripts/oci-image.py BINARY IMAGE_NAME OUTPUT.tar

The image has one layer holding BINARY as /<basename>, which is also its entrypoint. Used for the
node's pause image: no registry can be reached here, and the node must not depend on Docker.
The archive is reproducible (fixed mtimes, sorted entries).
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path


def _tar(entries: list[tuple[str, bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _descriptor(media_type: str, data: bytes) -> dict[str, object]:
    return {
        "mediaType": media_type,
        "digest": f"sha256:{hashlib.sha256(data).hexdigest()}",
        "size": len(data),
    }


def main(binary: Path, image: str, output: Path) -> None:
    name = binary.name
    layer = _tar([(name, binary.read_bytes(), 0o755)])
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Entrypoint": [f"/{name}"]},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(layer).hexdigest()}"]},
        },
        sort_keys=True,
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": _descriptor("application/vnd.oci.image.config.v1+json", config),
            "layers": [_descriptor("application/vnd.oci.image.layer.v1.tar", layer)],
        },
        sort_keys=True,
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                **_descriptor("application/vnd.oci.image.manifest.v1+json", manifest),
                "annotations": {
                    "io.containerd.image.name": image,
                    "org.opencontainers.image.ref.name": image,
                },
            }
        ],
    }
    blobs = [(f"blobs/sha256/{hashlib.sha256(b).hexdigest()}", b, 0o644) for b in (layer, config, manifest)]
    output.write_bytes(
        _tar(
            [
                ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}', 0o644),
                ("index.json", json.dumps(index, sort_keys=True).encode(), 0o644),
                *sorted(blobs),
            ]
        )
    )


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
