#!/usr/bin/env bash
# Builds the release binary and assembles .build/deb/wardwatch_<version>_<arch>.deb with dpkg-deb:
# /usr/bin/wardwatch (Swift runtime linked in statically), the systemd unit, /etc/wardwatch/wardwatch.yaml and
# /etc/default/wardwatch (conffiles), /usr/share/wardwatch/Signatures. Runs as any user (root:root ownership
# comes from dpkg-deb --root-owner-group).
#   Scripts/make-deb.sh            build + package
#   SKIP_BUILD=1 Scripts/make-deb.sh   package the existing .build/release/wardwatch
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
if [[ -z "${SKIP_BUILD:-}" ]]; then
    # The Swift runtime goes into the binary; the remaining shared libraries are Debian's, named in Depends.
    SWIFT=$SWIFT bash Scripts/build-release.sh
fi
binary=.build/release/wardwatch
[[ -x "$binary" ]] || { echo "make-deb: $binary is missing" >&2; exit 1; }

version=$("$binary" --version)
arch=$(dpkg --print-architecture)
work=.build/deb/root
out=.build/deb/wardwatch_${version}_${arch}.deb
rm -rf "$work"
mkdir -p "$work/DEBIAN" "$work/usr/bin" "$work/lib/systemd/system" "$work/etc/wardwatch" "$work/etc/default" \
    "$work/usr/share/wardwatch" "$work/usr/share/doc/wardwatch"

# No Swift runtime library may be left to load from the toolchain: the package must run without it.
if ldd "$binary" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime|/opt/swift|not found'; then
    echo "make-deb: $binary still needs the libraries above; build with --static-swift-stdlib" >&2
    exit 1
fi
install -m 0755 "$binary" "$work/usr/bin/wardwatch"
strip --strip-unneeded "$work/usr/bin/wardwatch"
install -m 0644 packaging/wardwatch.service "$work/lib/systemd/system/wardwatch.service"
install -m 0644 packaging/wardwatch.yaml "$work/etc/wardwatch/wardwatch.yaml"
install -m 0644 packaging/wardwatch.default "$work/etc/default/wardwatch"
cp -r Signatures "$work/usr/share/wardwatch/Signatures"
find "$work/usr/share/wardwatch" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
install -m 0644 README.md "$work/usr/share/doc/wardwatch/README.md"

# Depends: the shared libraries the binary loads, by Debian package (dpkg -S), plus adduser
# for postinst. libc6/libstdc++6/libgcc-s1 are required/base everywhere but named for correctness.
depends=$({
    echo libpcap0.8; echo libssl3; echo libmaxminddb0
    # Only the binary's own NEEDED entries (ldd also lists their dependencies, which their packages bring).
    for needed in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        library=$(ldd "$binary" | awk -v name="$needed" '$1 == name {print $3}')
        dpkg -S "$(readlink -f "$library")" 2>/dev/null || dpkg -S "$library" 2>/dev/null || true
    done | cut -d: -f1
} | sort -u | grep -v '^$' | paste -sd, | sed 's/,/, /g')
size=$(du -sk --exclude=DEBIAN "$work" | cut -f1)

cat > "$work/DEBIAN/control" <<CONTROL
Package: wardwatch
Version: ${version}
Architecture: ${arch}
Maintainer: WardWatch maintainers <wardwatch@localhost>
Installed-Size: ${size}
Depends: ${depends}, adduser
Section: net
Priority: optional
Homepage: https://localhost/wardwatch
Description: network anomaly sensor for hospital networks
 WardWatch watches a switch mirror port and reports, as ECS-aligned JSON lines and
 syslog, flows, DICOM, HL7 and SMB activity, and alerts for lateral movement,
 ransomware-like file activity, network-separation breaches and unknown devices.
CONTROL

cat > "$work/DEBIAN/conffiles" <<'CONFFILES'
/etc/wardwatch/wardwatch.yaml
/etc/default/wardwatch
CONFFILES

cat > "$work/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    mkdir -p /var/lib/wardwatch    # the user's home; adduser --no-create-home warns when it is missing
    if ! getent passwd wardwatch >/dev/null; then
        adduser --system --group --no-create-home --home /var/lib/wardwatch --shell /usr/sbin/nologin \
            --gecos "WardWatch network sensor" wardwatch >/dev/null
    fi
    for directory in /var/lib/wardwatch /var/log/wardwatch; do
        install -d -o wardwatch -g wardwatch -m 0750 "$directory"
    done
    # The site file may name devices and networks: readable by the service, not by everyone.
    chown root:wardwatch /etc/wardwatch/wardwatch.yaml
    chmod 0640 /etc/wardwatch/wardwatch.yaml
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
    # Not started here: the interface must be set in /etc/default/wardwatch first.
    if [ "$1" = configure ] && [ -z "$2" ]; then systemctl enable wardwatch.service >/dev/null 2>&1 || true; fi
    if [ -n "$2" ]; then systemctl try-restart wardwatch.service >/dev/null || true; fi
fi
exit 0
POSTINST

cat > "$work/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
    systemctl stop wardwatch.service >/dev/null 2>&1 || true
    systemctl disable wardwatch.service >/dev/null 2>&1 || true
fi
exit 0
PRERM

cat > "$work/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
if [ "$1" = purge ]; then
    # Events and the learned state are the hospital's data; only purge removes them, and the user.
    rm -rf /var/lib/wardwatch /var/log/wardwatch
    if getent passwd wardwatch >/dev/null; then deluser --system wardwatch >/dev/null 2>&1 || true; fi
    if getent group wardwatch >/dev/null; then delgroup --system wardwatch >/dev/null 2>&1 || true; fi
fi
exit 0
POSTRM
chmod 0755 "$work/DEBIAN/postinst" "$work/DEBIAN/prerm" "$work/DEBIAN/postrm"

dpkg-deb --root-owner-group -Zxz --build "$work" "$out" >/dev/null
echo "$out ($(du -h "$out" | cut -f1)), Depends: ${depends}, adduser"
