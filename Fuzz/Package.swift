// swift-tools-version:6.1
import PackageDescription

/// libFuzzer harnesses for every decoder and analyzer; built by Scripts/fuzz.sh with `--sanitize fuzzer`.
let package = Package(
    name: "wardwatch-fuzz",
    dependencies: [.package(name: "wardwatch", path: "..")],
    targets: [
        .executableTarget(name: "FuzzPacket", dependencies: [.product(name: "WardParsers", package: "wardwatch")]),
        .executableTarget(name: "FuzzDICOM", dependencies: [.product(name: "WardParsers", package: "wardwatch")]),
        .executableTarget(name: "FuzzHL7", dependencies: [.product(name: "WardParsers", package: "wardwatch")]),
        .executableTarget(name: "FuzzSMB2", dependencies: [.product(name: "WardParsers", package: "wardwatch")]),
    ]
)
