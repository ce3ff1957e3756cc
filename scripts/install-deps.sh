#!/usr/bin/env bash
# Installs the Debian packages Pare builds against, only those missing (run as root).
set -euo pipefail

# libopenmpi-dev, openmpi-bin: `mpirun -np N pare compile` and its test (pare dlopens libmpi only under a launcher).
packages=(libopenblas-dev liblapacke-dev libzstd-dev libdnnl-dev pkg-config libopenmpi-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    missing+=(python3 python3-pip)
fi
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
