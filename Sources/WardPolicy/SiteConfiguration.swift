import Foundation
import WardAnomaly
import WardCore
import Yams

/// A zone of the site: networks and VLANs with a policy.
public struct Zone: Sendable, Hashable {
    public var name: String
    public var kind: ZoneKind
    /// `internet: deny`: hosts here must not reach the public internet.
    public var internetDenied: Bool
    public var networks: [IPNetwork]
    public var vlans: [UInt16]
    /// The line in the site file where the zone starts (0 for built-in values).
    public var line: Int
}

/// `wardwatch.yaml`: zones, known devices and detector thresholds, decoded and validated with line numbers.
///
/// Every value has a default (`SiteConfiguration.defaults`: no zones, no devices, default thresholds), so the
/// sensor runs with no file. The minimal file every version accepts is in DESIGN.md ("Site knowledge").
public struct SiteConfiguration: Sendable {
    public var schemaVersion = 1
    /// The site's name (`site:`), for `observer` enrichment.
    public var siteName: String?
    public var zones: [Zone] = []
    public var devices: [KnownDevice] = []
    /// Detector thresholds (`detection:`), defaults where not given.
    public var detection = DetectorConfiguration()
    /// The compiled longest-prefix zone map the detectors use.
    public private(set) var zoneMap = ZoneMap.empty
    /// The devices indexed by MAC and IP.
    public private(set) var inventory = DeviceInventory.empty

    /// No file: no zones, no devices, default thresholds.
    public static let defaults = SiteConfiguration()

    public init() {}

    /// The zone of `address` by longest prefix, else by VLAN id, else `nil`.
    public func zone(for address: IPAddress, vlan: VLANTags = .none) -> Zone? {
        zoneMap.zoneIndex(for: address, vlan: vlan).map { zones[$0] }
    }

    /// Loads and validates `path`.
    /// - Throws: `ConfigurationErrors` with every problem found, each naming the file, line and key.
    public static func load(path: String) throws(ConfigurationErrors) -> SiteConfiguration {
        switch readText(path) {
        case .failure(let error): throw ConfigurationErrors(errors: [error])
        case .success(let text): return try parse(yaml: text, file: path)
        }
    }

    /// Decodes and validates site YAML; `file` names it in errors.
    /// - Throws: `ConfigurationErrors` with every problem found.
    public static func parse(yaml text: String, file: String = "wardwatch.yaml") throws(ConfigurationErrors)
        -> SiteConfiguration
    {
        var reader = YAMLReader(file: file)
        var configuration = SiteConfiguration()
        if let root = reader.compose(text) {
            configuration.decode(root, &reader)
        }
        guard reader.errors.isEmpty else { throw ConfigurationErrors(errors: reader.errors) }
        configuration.compile()
        return configuration
    }

    /// Rebuilds the zone map and inventory after `zones` or `devices` changed.
    public mutating func compile() {
        var prefixes: [(network: IPAddress, length: Int, zone: Int)] = []
        var vlans: [(UInt16, Int)] = []
        for (index, zone) in zones.enumerated() {
            for network in zone.networks { prefixes.append((network.network, network.mappedPrefixLength, index)) }
            for vlan in zone.vlans { vlans.append((vlan, index)) }
        }
        zoneMap = ZoneMap(
            zones: zones.map { ZoneInfo(name: $0.name, kind: $0.kind, internetDenied: $0.internetDenied) },
            prefixes: prefixes, vlans: vlans)
        inventory = DeviceInventory(devices)
    }

    private mutating func decode(_ root: Node, _ reader: inout YAMLReader) {
        let members = reader.mapping(root, "", allowed: ["schema_version", "site", "zones", "devices", "detection"])
        guard case .mapping = root else { return }
        reader.schemaVersion(members, root: root)
        for member in members {
            switch member.key {
            case "site": siteName = reader.string(member.value, "site")
            case "zones":
                for (index, node) in reader.sequence(member.value, "zones").enumerated() {
                    if let zone = decodeZone(node, "zones[\(index)]", &reader) {
                        if zones.contains(where: { $0.name == zone.name }) {
                            reader.fail(.duplicate, node, "zones[\(index)].name", "zone \"\(zone.name)\" is defined twice")
                        }
                        zones.append(zone)
                    }
                }
            case "devices":
                for (index, node) in reader.sequence(member.value, "devices").enumerated() {
                    if let device = decodeDevice(node, "devices[\(index)]", &reader) { devices.append(device) }
                }
            case "detection":
                detection = DetectionSettings.decode(member.value, "detection", &reader)
            default:
                break
            }
        }
    }

    private func decodeZone(_ node: Node, _ path: String, _ reader: inout YAMLReader) -> Zone? {
        let members = reader.mapping(
            node, path, allowed: ["name", "networks", "vlans", "internet", "kind", "description"])
        guard case .mapping = node else { return nil }
        var zone = Zone(name: "", kind: .other, internetDenied: false, networks: [], vlans: [], line: node.mark?.line ?? 0)
        var kindGiven = false
        for member in members {
            let memberPath = "\(path).\(member.key)"
            switch member.key {
            case "name": zone.name = reader.string(member.value, memberPath) ?? ""
            case "networks":
                for (index, item) in reader.sequence(member.value, memberPath).enumerated() {
                    guard let text = reader.string(item, "\(memberPath)[\(index)]") else { continue }
                    switch IPNetwork.parse(text) {
                    case .success(let network): zone.networks.append(network)
                    case .failure(let failure): reader.fail(.badCIDR, item, "\(memberPath)[\(index)]", failure.reason)
                    }
                }
            case "vlans":
                for (index, item) in reader.sequence(member.value, memberPath).enumerated() {
                    if let vlan = reader.integer(item, "\(memberPath)[\(index)]", range: 0...4095) {
                        zone.vlans.append(UInt16(vlan))
                    }
                }
            case "internet":
                switch reader.string(member.value, memberPath)?.lowercased() {
                case "deny": zone.internetDenied = true
                case "allow": zone.internetDenied = false
                case nil: break
                case let other?:
                    reader.fail(.badValue, member.value, memberPath, "expected allow or deny, got \"\(other)\"")
                }
            case "kind":
                guard let text = reader.string(member.value, memberPath) else { break }
                if let kind = ZoneKind(rawValue: text) {
                    zone.kind = kind
                    kindGiven = true
                } else {
                    reader.fail(
                        .unknownZoneKind, member.value, memberPath,
                        "unknown zone kind \"\(text)\" (known: \(ZoneKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            default:
                break
            }
        }
        if zone.name.isEmpty { reader.fail(.missingKey, node, "\(path).name", "every zone needs a name") }
        if !kindGiven, let kind = ZoneKind(rawValue: zone.name) { zone.kind = kind }
        return zone
    }

    private func decodeDevice(_ node: Node, _ path: String, _ reader: inout YAMLReader) -> KnownDevice? {
        let members = reader.mapping(
            node, path, allowed: ["mac", "ip", "name", "role", "dicom_ae", "hl7_apps", "description"])
        guard case .mapping = node else { return nil }
        var device = KnownDevice(mac: nil, address: nil, name: "")
        for member in members {
            let memberPath = "\(path).\(member.key)"
            switch member.key {
            case "mac":
                guard let text = reader.string(member.value, memberPath) else { break }
                if let mac = MACAddress(text), text.utf8.count == 17 || text.utf8.count == 12 {
                    device.mac = mac
                } else {
                    reader.fail(.badMAC, member.value, memberPath, "bad MAC address \"\(text)\" (expected 00:1b:21:0a:0b:0c)")
                }
            case "ip":
                guard let text = reader.string(member.value, memberPath) else { break }
                if let address = IPAddress(text) {
                    device.address = address
                } else {
                    reader.fail(.badAddress, member.value, memberPath, "bad IP address \"\(text)\"")
                }
            case "name": device.name = reader.string(member.value, memberPath) ?? ""
            case "role": device.role = reader.string(member.value, memberPath)
            case "dicom_ae":
                device.dicomAETitles = reader.strings(member.value, memberPath)
                for (index, title) in device.dicomAETitles.enumerated() where title.utf8.count > 16 || title.isEmpty {
                    reader.fail(
                        .badValue, reader.sequence(member.value, memberPath)[index], "\(memberPath)[\(index)]",
                        "AE titles are 1–16 characters (DICOM PS3.5 AE)")
                }
            case "hl7_apps": device.hl7Applications = reader.strings(member.value, memberPath)
            default: break
            }
        }
        if device.name.isEmpty { reader.fail(.missingKey, node, "\(path).name", "every device needs a name") }
        if device.mac == nil && device.address == nil {
            reader.fail(.missingKey, node, path, "a device needs a mac or an ip")
        }
        return device
    }
}

/// Every problem found in one configuration file (thrown by `SiteConfiguration.load(path:)`).
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigurationError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
