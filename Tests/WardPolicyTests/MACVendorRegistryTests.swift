import Foundation
import Testing
import WardAnomaly
import WardCore
@testable import WardPolicy

@Suite struct MACVendorRegistryTests {
    @Test func parsesIEEECSVWithQuotedNames() {
        let text = """
            Registry,Assignment,Organization Name,Organization Address
            # a comment
            MA-L,444B5D,GE Healthcare,9900 Innovation Drive Wauwatosa WI US 53226
            MA-L,20E791,"Siemens Healthcare Diagnostics, Inc","511 ""Benedict"" Ave"
            MA-M,70B3D5123,Some Block,
            """
        let (vendors, errors) = MACVendorRegistry.parse(text, file: "oui.csv")
        #expect(errors.isEmpty)
        #expect(vendors.count == 2)
        #expect(vendors.vendor(of: MACAddress("44:4b:5d:01:02:03")!) == "GE Healthcare")
        #expect(vendors.vendor(of: MACAddress("20:e7:91:00:00:01")!) == "Siemens Healthcare Diagnostics, Inc")
        // Locally administered (randomised) addresses have no vendor, whatever their first bytes say.
        #expect(vendors.vendor(of: MACAddress("46:4b:5d:01:02:03")!) == nil)
    }

    @Test func badRowsAreLineNumberedErrors() {
        let text = "Registry,Assignment,Organization Name\nMA-L,XYZ123,Bad Hex\nMA-L,001122\nMA-L,001123,\n"
        let (_, errors) = MACVendorRegistry.parse(text, file: "mac-vendors.csv")
        #expect(errors.map(\.line) == [2, 3, 4])
        #expect(errors.allSatisfy { $0.file == "mac-vendors.csv" && $0.code == .badValue })
    }

    @Test func shippedFallbackIsValidAndUsedWithoutTheSystemRegistry() throws {
        let signatures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Signatures").path
        let vendors = try MACVendorRegistry.load(signaturesDirectory: signatures, systemPath: "/nonexistent/oui.csv")
        #expect(vendors.count > 5000)
        #expect(vendors.vendor(of: MACAddress("00:0b:db:10:00:0a")!)?.hasPrefix("Dell") == true)
        #expect(validate(siteFile: nil, signaturesDirectory: signatures).isEmpty)
    }

    @Test func brokenFallbackIsReportedByCheckConfig() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "Registry,Assignment,Organization Name\nMA-L,12345,Short\n".write(
            to: directory.appendingPathComponent("mac-vendors.csv"), atomically: true, encoding: .utf8)
        let errors = validate(siteFile: nil, signaturesDirectory: directory.path)
        #expect(errors.contains { $0.file.hasSuffix("mac-vendors.csv") && $0.line == 2 })
    }
}
