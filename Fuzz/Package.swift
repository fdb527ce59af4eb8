// swift-tools-version:6.1
import PackageDescription

/// libFuzzer harnesses for every decoder and analyzer; built by Scripts/fuzz.sh with `--sanitize fuzzer`.
let package = Package(
    name: "wardwatch-fuzz",
    dependencies: [.package(name: "wardwatch", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "WardParsers", package: "wardwatch")]),
        .executableTarget(name: "FuzzPacket", dependencies: [.product(name: "WardParsers", package: "wardwatch")]),
        .executableTarget(
            name: "FuzzDICOM", dependencies: ["FuzzSupport", .product(name: "WardParsers", package: "wardwatch")]),
        .executableTarget(
            name: "FuzzHL7", dependencies: ["FuzzSupport", .product(name: "WardParsers", package: "wardwatch")]),
        .executableTarget(
            name: "FuzzSMB2", dependencies: ["FuzzSupport", .product(name: "WardParsers", package: "wardwatch")]),
        .executableTarget(name: "FuzzPcapFile", dependencies: [.product(name: "WardParsers", package: "wardwatch")]),
    ]
)
