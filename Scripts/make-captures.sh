#!/usr/bin/env bash
# make-captures.sh: rebuild the real-peer captures in Captures/ (STYLE.md 8.8, fixture policy).
#
# Usage (root, Debian 12; no network beyond loopback and the lab namespaces the scenarios create):
#   Scripts/make-captures.sh                 # every Scripts/captures/*.sh except lab.sh, in name order
#   Scripts/make-captures.sh net hl7         # only these scenarios (name, name.sh or path)
#   Scripts/make-captures.sh --install-only  # install the tools and Python packages, run nothing
#
# Installs what the scenarios need (Debian packages with apt-get, python-hl7 and hl7apy with pip), then runs
# each scenario in its own bash process. A scenario sources Scripts/captures/lab.sh, which builds the lab
# namespaces and tears them down on exit (and cleans up a stale lab left by a killed run), so this script is
# idempotent. A scenario may list extra Debian packages on a line "# needs-apt: pkg pkg" and Python packages
# on a line "# needs-pip: pkg==ver". Exit status: 0 if every scenario succeeded.
# Finally refreshes the numbers (packets, sha256, size) in the table of Captures/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SCEN_DIR="$HERE/captures"
APT_BASE=(tcpdump tshark iproute2 ethtool nftables socat dnsmasq-base dnsutils iputils-ping curl procps
    util-linux python3 python3-venv)
PIP_BASE=(hl7==0.4.5 hl7apy==1.3.5)
VENV=${WARDWATCH_CAPTURES_VENV:-/var/tmp/wardwatch-captures-venv}

log() { printf '[make-captures %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

[[ $(id -u) -eq 0 ]] || { log "run as root (network namespaces, tcpdump)"; exit 1; }

install_only=0
args=()
for a in "$@"; do
    case $a in
    --install-only) install_only=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
    esac
done

scenarios=()
if ((${#args[@]})); then
    for a in "${args[@]}"; do
        a=${a##*/}
        a=${a%.sh}
        [[ -f "$SCEN_DIR/$a.sh" && "$a" != lab ]] || { log "no scenario $SCEN_DIR/$a.sh"; exit 2; }
        scenarios+=("$SCEN_DIR/$a.sh")
    done
else
    for f in "$SCEN_DIR"/*.sh; do
        [[ "${f##*/}" == lab.sh ]] || scenarios+=("$f")
    done
fi

# --- Debian packages -------------------------------------------------------------------------------------
apt_pkgs=("${APT_BASE[@]}")
pip_pkgs=("${PIP_BASE[@]}")
for f in "${scenarios[@]}"; do
    while read -r line; do
        # shellcheck disable=SC2206
        apt_pkgs+=(${line#*:})
    done < <(grep -E '^# needs-apt:' "$f" || true)
    while read -r line; do
        # shellcheck disable=SC2206
        pip_pkgs+=(${line#*:})
    done < <(grep -E '^# needs-pip:' "$f" || true)
done
missing=()
for p in $(printf '%s\n' "${apt_pkgs[@]}" | sort -u); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" || {
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    }
fi

# --- Python packages: the python3 on PATH if it can pip-install (pyenv, venv), else a venv -------------------
mapfile -t pip_pkgs < <(printf '%s\n' "${pip_pkgs[@]}" | sort -u)
have_pip() { "$1" - "${pip_pkgs[@]}" <<'EOF'
import sys
from importlib.metadata import version, PackageNotFoundError
for spec in sys.argv[1:]:
    name, _, want = spec.partition("==")
    try:
        got = version(name)
    except PackageNotFoundError:
        sys.exit(1)
    if want and got != want:
        sys.exit(1)
EOF
}
PY=${LAB_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
if ! have_pip "$PY"; then
    if ! "$PY" -m pip install --disable-pip-version-check -q "${pip_pkgs[@]}" 2>/dev/null || ! have_pip "$PY"; then
        log "pip install into $PY refused (externally managed?); using venv $VENV"
        [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
        PY="$VENV/bin/python"
        have_pip "$PY" || "$PY" -m pip install --disable-pip-version-check -q "${pip_pkgs[@]}"
    fi
fi
have_pip "$PY" || { log "cannot install ${pip_pkgs[*]}"; exit 1; }
export LAB_PYTHON="$PY"
log "python: $LAB_PYTHON ($("$PY" --version 2>&1)); packages: ${pip_pkgs[*]}"
((install_only)) && exit 0

# --- Scenarios ---------------------------------------------------------------------------------------------
failed=()
for f in "${scenarios[@]}"; do
    log "=== ${f#"$ROOT"/}"
    if bash "$f"; then
        log "=== ${f##*/}: ok"
    else
        log "=== ${f##*/}: FAILED (exit $?)"
        failed+=("${f##*/}")
    fi
done

# A scenario killed hard cannot run its EXIT trap: make sure no lab namespaces of the default prefix remain.
bash -c "source '$SCEN_DIR/lab.sh' && lab_up >/dev/null 2>&1 && lab_down >/dev/null 2>&1" || true

"$PY" "$SCEN_DIR/readme_table.py" "$ROOT/Captures" || failed+=("readme_table.py")

if ((${#failed[@]})); then
    log "failed: ${failed[*]}"
    exit 1
fi
log "all scenarios ok"
