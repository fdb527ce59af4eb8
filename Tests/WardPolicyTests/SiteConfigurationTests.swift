import Foundation
import Testing
import WardAnomaly
import WardCore
@testable import WardPolicy

private let signaturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Signatures").path

private let minimalSite = """
    schema_version: 1
    zones:
      - name: clinical
        networks: [172.16.10.0/24, 172.16.11.0/24]
        internet: deny            # the clinical network must not reach the internet
      - name: business
        networks: [172.16.20.0/22, "2001:db8:20::/64"]
      - name: vendor-vpn
        networks: [172.16.30.0/24]
        kind: remote-maintenance
    devices:
      - {mac: "00:1b:21:0a:0b:0c", ip: 172.16.10.5, name: pacs-1, role: pacs, dicom_ae: [PACS1], hl7_apps: []}
    """

private func errors(_ yaml: String) -> [ConfigurationError] {
    do throws(ConfigurationErrors) {
        _ = try SiteConfiguration.parse(yaml: yaml, file: "site.yaml")
        return []
    } catch {
        return error.errors
    }
}

@Suite struct SiteConfigurationTests {
    @Test func acceptsTheMinimalSiteFile() throws {
        let site = try SiteConfiguration.parse(yaml: minimalSite)
        #expect(site.zones.map(\.name) == ["clinical", "business", "vendor-vpn"])
        #expect(site.zones[0].internetDenied && site.zones[0].kind == .clinical)
        #expect(site.zones[2].kind == .remoteMaintenance)
        #expect(site.devices.first?.dicomAETitles == ["PACS1"])
        #expect(site.zone(for: IPAddress("172.16.10.77")!)?.name == "clinical")
        #expect(site.zone(for: IPAddress("172.16.23.1")!)?.name == "business")
        #expect(site.zone(for: IPAddress("2001:db8:20::5")!)?.name == "business")
        #expect(site.zone(for: IPAddress("2001:db8:21::5")!) == nil)
        #expect(site.zone(for: IPAddress("10.1.1.1")!) == nil)
        #expect(site.inventory.device(mac: MACAddress("00:1b:21:0a:0b:0c")!)?.name == "pacs-1")
    }

    @Test func longestPrefixWinsAndVLANsFallBack() throws {
        let site = try SiteConfiguration.parse(
            yaml: """
                schema_version: 1
                zones:
                  - {name: campus, networks: [10.0.0.0/8]}
                  - {name: icu, networks: [10.1.2.0/24], vlans: [10], internet: deny}
                """)
        #expect(site.zone(for: IPAddress("10.1.2.3")!)?.name == "icu")
        #expect(site.zone(for: IPAddress("10.1.3.3")!)?.name == "campus")
        var vlan = VLANTags.none
        vlan.push(10)
        #expect(site.zone(for: IPAddress("192.168.1.1")!, vlan: vlan)?.name == "icu")
        #expect(site.zone(for: IPAddress("192.168.1.1")!)?.name == nil)
    }

    @Test func runsWithNoFileAndReadsDetectionOverrides() throws {
        #expect(SiteConfiguration.defaults.zones.isEmpty)
        #expect(SiteConfiguration.defaults.detection == DetectorConfiguration())
        let site = try SiteConfiguration.parse(
            yaml: "schema_version: 1\ndetection:\n  lateral_minimum_destinations: 5\n  warm_up_seconds: 0\n  learn_macs_during_warm_up: false\n")
        #expect(site.detection.lateralMinimumDestinations == 5)
        #expect(site.detection.warmUpSeconds == 0)
        #expect(site.detection.learnMACsDuringWarmUp == false)
    }

    @Test func reportsUnknownKeyWithLine() {
        let found = errors(minimalSite.replacingOccurrences(of: "    internet: deny", with: "    internett: deny"))
        #expect(found.count == 1)
        #expect(found.first?.code == .unknownKey)
        #expect(found.first?.line == 5)
        #expect(found.first?.key == "zones[0].internett")
        #expect(found.first?.description.hasPrefix("site.yaml:5:") == true)
    }

    @Test func reportsBadCIDRWithLine() {
        let found = errors(minimalSite.replacingOccurrences(of: "172.16.30.0/24", with: "172.16.30.0/33"))
        #expect(found.map(\.code) == [.badCIDR])
        #expect(found.first?.line == 9)
        #expect(found.first?.key == "zones[2].networks[0]")
    }

    @Test func reportsBadMACWithLine() {
        let found = errors(minimalSite.replacingOccurrences(of: "00:1b:21:0a:0b:0c", with: "00:1b:21:0a:0b"))
        #expect(found.map(\.code) == [.badMAC])
        #expect(found.first?.line == 12)
        #expect(found.first?.key == "devices[0].mac")
    }

    @Test func reportsUnknownZoneKindWithLine() {
        let found = errors(minimalSite.replacingOccurrences(of: "remote-maintenance", with: "vpn"))
        #expect(found.map(\.code) == [.unknownZoneKind])
        #expect(found.first?.line == 10)
        #expect(found.first?.key == "zones[2].kind")
    }

    @Test func reportsEveryErrorNotJustTheFirst() {
        let yaml = """
            schema_version: 2
            zones:
              - {name: a, networks: [300.1.1.0/24], kind: nope}
            devices:
              - {mac: zz, ip: 1.2.3, name: x}
            detection:
              ransomware_minimum_files: 50
            colour: blue
            """
        let found = errors(yaml)
        #expect(Set(found.map(\.code)) == [.unsupportedSchemaVersion, .badCIDR, .unknownZoneKind, .badMAC, .badAddress, .badValue, .unknownKey, .missingKey])
        #expect(found.first { $0.code == .unknownKey }?.line == 8)
        #expect(found.first { $0.code == .badValue }?.line == 7)
    }

    @Test func reportsSyntaxErrorsWithLine() {
        let found = errors("schema_version: 1\nzones:\n  - name: [unclosed\n")
        #expect(found.first?.code == .syntax)
        #expect((found.first?.line ?? 0) >= 3)
    }
}

@Suite struct SignatureFileTests {
    @Test func everyShippedSignatureFileLoads() throws {
        let set = try SignatureSet.load(directory: signaturesDirectory)
        #expect(Set(set.adminPorts) == [445, 139, 3389, 5985, 5986, 135, 22, 5900])
        #expect(set.adminPipes.contains("svcctl"))
        #expect(set.ransomExtensions.contains("lockbit"))
        #expect(set.remoteAccessDomains.contains { $0.domain == "anydesk.com" })
        #expect(set.sopClassNames["1.2.840.10008.5.1.4.1.1.2"] == "CT Image Storage")
        #expect(set.sopClassNames["1.2.840.10008.1.1"] == "Verification SOP Class")
        #expect(validate(siteFile: nil, signaturesDirectory: signaturesDirectory).isEmpty)
    }

    @Test func shippedExampleSiteFileLoads() throws {
        let site = try SiteConfiguration.load(path: signaturesDirectory + "/wardwatch.example.yaml")
        #expect(site.zones[0].vlans == [10])
        #expect(validate(siteFile: signaturesDirectory + "/wardwatch.example.yaml", signaturesDirectory: nil).isEmpty)
    }

    @Test func reportsSignatureErrorsWithLines() {
        var set = SignatureSet()
        let errors = set.decode(
            file: "dicom-sop-classes.yaml",
            text: "schema_version: 1\nsop_classes:\n  - {uid: 1.2.840.10008.1.1, name: Verification}\n  - {uid: 1.2.x, name: Bad}\n  - {uid: 1.2.3, nme: Typo}\n",
            path: "Signatures/dicom-sop-classes.yaml")
        #expect(errors.map(\.code) == [.badValue, .unknownKey, .missingKey])
        #expect(errors.map(\.line) == [4, 5, 5])
        var lateral = SignatureSet()
        let portErrors = lateral.decode(
            file: "lateral-movement.yaml", text: "admin_ports: [445, 70000]\n", path: "lateral-movement.yaml")
        #expect(Set(portErrors.map(\.code)) == [.missingKey, .badValue])
    }

    @Test func missingFileIsReported() {
        let found = validate(siteFile: "/nonexistent/wardwatch.yaml", signaturesDirectory: nil)
        #expect(found.map(\.code) == [.unreadableFile])
    }
}
