// swift-tools-version:6.1
import PackageDescription

/// Upcoming features every WardWatch target builds with (the swift-asn1 / swift-system set).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "wardwatch",
    products: [
        .executable(name: "wardwatch", targets: ["wardwatch"]),
        // The decoders, analyzers and the capture-file reader as a library, for the libFuzzer harnesses in Fuzz/.
        .library(
            name: "WardParsers",
            targets: ["WardCore", "WardPacket", "WardDICOM", "WardHL7", "WardSMB2", "WardNames", "WardCapture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // MARK: - C surface
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .target(name: "CCapabilities"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMaxMindDB", pkgConfig: "libmaxminddb", providers: [.apt(["libmaxminddb-dev"])]),
        // MARK: - Hot path (no Foundation)
        .target(name: "WardCore", swiftSettings: strict),
        .target(name: "WardPacket", dependencies: ["WardCore"], swiftSettings: strict),
        .target(name: "WardFlows", dependencies: ["WardCore", "WardPacket"], swiftSettings: strict),
        .target(name: "WardCapture", dependencies: ["CPcap", "WardCore"], swiftSettings: strict),
        .target(name: "WardDICOM", dependencies: ["WardCore"], swiftSettings: strict),
        .target(name: "WardHL7", dependencies: ["WardCore"], swiftSettings: strict),
        .target(name: "WardSMB2", dependencies: ["WardCore"], swiftSettings: strict),
        .target(name: "WardAnomaly", dependencies: ["WardCore"], swiftSettings: strict),
        .target(name: "WardNames", dependencies: ["WardCore"], swiftSettings: strict),
        // MARK: - Edges
        .target(name: "WardSyslog", dependencies: ["WardCore", "COpenSSL"], swiftSettings: strict),
        .target(
            name: "WardPolicy", dependencies: ["WardCore", "WardAnomaly", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(name: "WardGeoIP", dependencies: ["CMaxMindDB", "WardCore", "WardAnomaly"], swiftSettings: strict),
        .target(
            name: "WardOutput",
            dependencies: [
                "COpenSSL", "WardCore", "WardFlows", "WardDICOM", "WardHL7", "WardSMB2", "WardAnomaly", "WardGeoIP",
            ],
            swiftSettings: strict),
        .target(
            name: "WardEngine",
            dependencies: [
                "CPcap", "CCapabilities", "WardCore", "WardPacket", "WardFlows", "WardCapture", "WardOutput", "WardDICOM", "WardHL7",
                "WardSMB2", "WardAnomaly", "WardSyslog", "WardNames",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "WardState", dependencies: ["WardCore", "WardAnomaly", "WardFlows", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(name: "WardCLI", dependencies: ["WardEngine", "WardState", "WardCapture", "WardFlows", "WardOutput", "WardCore", "WardPolicy", "WardAnomaly", "WardSyslog", "WardGeoIP", "WardDICOM", argumentParser], swiftSettings: strict),
        .executableTarget(name: "wardwatch", dependencies: ["WardCLI"], swiftSettings: strict),
        // MARK: - Tests
        .target(name: "WardTestSupport", dependencies: ["WardCore"], swiftSettings: strict),
        .testTarget(name: "WardCoreTests", dependencies: ["WardCore", "WardTestSupport"], swiftSettings: strict),
        .testTarget(name: "WardDICOMTests", dependencies: ["WardDICOM", "WardCore", "WardTestSupport"], swiftSettings: strict),
        .testTarget(name: "WardHL7Tests", dependencies: ["WardHL7", "WardCore", "WardTestSupport"], swiftSettings: strict),
        .testTarget(name: "WardSMB2Tests", dependencies: ["WardSMB2", "WardCore", "WardTestSupport"], swiftSettings: strict),
        .testTarget(name: "WardAnomalyTests", dependencies: ["WardAnomaly", "WardCore"], swiftSettings: strict),
        .testTarget(
            name: "WardStateTests", dependencies: ["WardState", "WardAnomaly", "WardFlows", "WardCore"], swiftSettings: strict),
        .testTarget(
            name: "WardPolicyTests", dependencies: ["WardPolicy", "WardAnomaly", "WardCore"], swiftSettings: strict),
        .testTarget(
            name: "WardSyslogTests", dependencies: ["WardSyslog", "WardCore", "WardTestSupport"], swiftSettings: strict),
        .testTarget(name: "WardNamesTests", dependencies: ["WardNames", "WardTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "WardGeoIPTests", dependencies: ["WardGeoIP", "WardCore"], exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(name: "WardPacketTests", dependencies: ["WardPacket", "WardTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "WardFlowsTests",
            dependencies: ["WardFlows", "WardPacket", "WardTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WardEngineTests",
            dependencies: ["WardEngine", "WardCapture", "WardOutput", "WardTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WardCLITests", dependencies: ["WardCLI", "WardOutput", "WardTestSupport", argumentParser],
            swiftSettings: strict),
    ]
)
