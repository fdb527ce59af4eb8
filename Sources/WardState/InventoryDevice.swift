import GRDB
import WardCore

/// One device the sensor has seen, keyed by MAC address: the `devices` table of the state DB.
///
/// Built from the host table (MAC↔IP pairs, first/last seen, VLAN, services) and what the detectors learned (DICOM AE
/// titles, HL7 sending applications), merged run after run.
public struct InventoryDevice: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "devices"
    /// The most addresses, services, AE titles and applications kept per device.
    public static let maximumListLength = 16

    /// `00:1b:21:0a:0b:0c`.
    public var mac: String
    /// The IEEE OUI organisation, when known.
    public var vendor: String?
    /// Whether the address is locally administered (randomised by the device).
    public var locallyAdministered: Bool
    /// First and last packet time seen, nanoseconds since the epoch.
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// The outer VLAN id last seen, if tagged.
    public var vlan: Int?
    /// IP addresses seen with this MAC, first ones first.
    public var addresses: [String]
    /// Addresses seen beyond those kept (a router's MAC carries many).
    public var addressOverflow: Int
    /// Services it answered on (`tcp/104`) and used on others.
    public var servicesOffered: [String]
    public var servicesUsed: [String]
    /// DICOM AE titles it used, HL7 sending applications (MSH-3^MSH-4) it sent as.
    public var dicomAETitles: [String]
    public var hl7Applications: [String]

    enum CodingKeys: String, CodingKey {
        case mac, vendor, vlan, addresses
        case locallyAdministered = "locally_administered"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case addressOverflow = "address_overflow"
        case servicesOffered = "services_offered"
        case servicesUsed = "services_used"
        case dicomAETitles = "dicom_ae_titles"
        case hl7Applications = "hl7_applications"
    }

    /// Folds a newer observation of the same device into this one.
    mutating func merge(_ newer: InventoryDevice) {
        vendor = newer.vendor ?? vendor
        firstSeen = min(firstSeen, newer.firstSeen)
        if newer.lastSeen >= lastSeen {
            lastSeen = newer.lastSeen
            vlan = newer.vlan
        }
        let merged = Self.union(addresses, newer.addresses)
        let dropped = newer.addresses.filter { !merged.contains($0) }.count
        addresses = merged
        addressOverflow = max(addressOverflow, newer.addressOverflow) + dropped
        servicesOffered = Self.union(servicesOffered, newer.servicesOffered)
        servicesUsed = Self.union(servicesUsed, newer.servicesUsed)
        dicomAETitles = Self.union(dicomAETitles, newer.dicomAETitles)
        hl7Applications = Self.union(hl7Applications, newer.hl7Applications)
    }

    /// `old` then the new members of `new`, at most `maximumListLength`.
    static func union(_ old: [String], _ new: [String]) -> [String] {
        var result = old
        for item in new where !result.contains(item) && result.count < maximumListLength { result.append(item) }
        return result
    }
}
