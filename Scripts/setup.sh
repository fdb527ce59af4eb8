#!/usr/bin/env bash
# Installs the Debian packages WardWatch needs, only those missing (idempotent; run as root or with sudo).
#   Scripts/setup.sh            build + test: libpcap-dev, pkg-config, libssl-dev (syslog TLS), libmaxminddb-dev (GeoIP),
#                               tshark (test oracle), valgrind, rsyslog + rsyslog-openssl (real syslog collector for
#                               WardSyslogTests), python3-jsonschema (EventSchemaTests validates events against schema/),
#                               libsqlite3-dev (the state DB, through GRDB), ieee-data (the IEEE OUI registry: MAC vendors),
#                               GNU time (peak RSS in FloodTests and Scripts/flood.sh), iproute2, iputils-ping and
#                               tcpreplay (the live-capture tests' network namespaces, their traffic and replays)
#   Scripts/setup.sh bench      also ndpiReader (libndpi-bin), tcpdump
#   Scripts/setup.sh fixtures   also MaxMind::DB::Writer, to regenerate the GeoIP test database
#                               (perl Scripts/make-geoip-fixture.pl)
set -euo pipefail

packages=(libpcap-dev pkg-config tshark valgrind rsyslog rsyslog-openssl libssl-dev libmaxminddb-dev python3-jsonschema libsqlite3-dev ieee-data time
    iproute2 iputils-ping tcpreplay)
if [[ "${1:-}" == "bench" ]]; then
    packages+=(libndpi-bin tcpdump)
fi
if [[ "${1:-}" == "fixtures" ]]; then
    packages+=(libmaxmind-db-writer-perl)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
