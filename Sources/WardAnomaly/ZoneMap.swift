import WardCore

/// What a zone is for; the detectors weigh findings by it.
public enum ZoneKind: String, Sendable, CaseIterable {
    /// Clinical devices: modalities, monitors, PACS (the default for a zone named `clinical`).
    case clinical
    /// Offices, workstations.
    case business
    /// VPN appliances and vendor remote-maintenance access: where most hospital ransomware came in.
    case remoteMaintenance = "remote-maintenance"
    /// Servers and infrastructure.
    case servers
    /// Guests, patients' devices.
    case guest
    /// Management networks.
    case management
    /// Networks outside the hospital that the site names (a vendor cloud, a partner, a lab's stand-in internet):
    /// reaching them counts as reaching the internet even when their addresses are private or documentation ones.
    case external
    /// Anything else.
    case other
}

/// A zone as the detectors see it.
public struct ZoneInfo: Sendable, Hashable {
    /// The zone's name from the site file.
    public var name: String
    /// What the zone is for.
    public var kind: ZoneKind
    /// Whether hosts in the zone must not reach the internet (`internet: deny`).
    public var internetDenied: Bool

    public init(name: String, kind: ZoneKind, internetDenied: Bool) {
        self.name = name
        self.kind = kind
        self.internetDenied = internetDenied
    }
}

/// Longest-prefix zone lookup, compiled once: one hash lookup per distinct prefix length in use (typically 2–4),
/// then by VLAN id when no prefix matches. This is the concrete `ZoneLookup` of the design: WardPolicy builds it
/// from `wardwatch.yaml`; the detectors call it once per new flow or new host.
public struct ZoneMap: Sendable {
    /// The zones, indexed by the values of the tables below.
    public let zones: [ZoneInfo]
    /// Prefix length (0–128 in the IPv6 / IPv4-mapped space) → masked network → zone index; longest first.
    private let prefixTables: [(length: Int, networks: [IPAddress: Int])]
    private let vlanTable: [UInt16: Int]

    /// A map with no zones: every lookup answers `nil`.
    public static let empty = ZoneMap(zones: [], prefixes: [], vlans: [])

    /// Compiles a map.
    /// - Parameters:
    ///   - zones: The zones.
    ///   - prefixes: `(network, prefix length in the 128-bit space, zone index)`; an IPv4 /n is `96 + n` on its
    ///     IPv4-mapped address. The first zone listed wins a tie.
    ///   - vlans: `(VLAN id, zone index)`, used when no prefix matches.
    public init(zones: [ZoneInfo], prefixes: [(network: IPAddress, length: Int, zone: Int)], vlans: [(UInt16, Int)]) {
        self.zones = zones
        var byLength: [Int: [IPAddress: Int]] = [:]
        for prefix in prefixes where zones.indices.contains(prefix.zone) {
            let length = min(128, max(0, prefix.length))
            let masked = Self.mask(prefix.network, length: length)
            if byLength[length, default: [:]][masked] == nil { byLength[length, default: [:]][masked] = prefix.zone }
        }
        prefixTables = byLength.sorted { $0.key > $1.key }.map { (length: $0.key, networks: $0.value) }
        var vlanTable: [UInt16: Int] = [:]
        for (vlan, zone) in vlans where zones.indices.contains(zone) && vlanTable[vlan] == nil { vlanTable[vlan] = zone }
        self.vlanTable = vlanTable
    }

    /// The zone of `address` by longest prefix, else by the VLAN ids (outer first), else `nil`.
    public func zone(for address: IPAddress, vlan: VLANTags = .none) -> ZoneInfo? {
        zoneIndex(for: address, vlan: vlan).map { zones[$0] }
    }

    /// The index into `zones` of `address`'s zone.
    public func zoneIndex(for address: IPAddress, vlan: VLANTags = .none) -> Int? {
        for table in prefixTables {
            if let zone = table.networks[Self.mask(address, length: table.length)] { return zone }
        }
        for index in 0..<vlan.count {
            if let id = vlan[index], let zone = vlanTable[id] { return zone }
        }
        return nil
    }

    /// `address` with all but the first `length` bits cleared.
    public static func mask(_ address: IPAddress, length: Int) -> IPAddress {
        let high: UInt64 = length >= 64 ? address.high : length <= 0 ? 0 : address.high & ~UInt64(0) << UInt64(64 - length)
        let lowBits = length - 64
        let low: UInt64 = lowBits >= 64 ? address.low : lowBits <= 0 ? 0 : address.low & ~UInt64(0) << UInt64(64 - lowBits)
        return IPAddress(high: high, low: low)
    }
}
