import WardCore

/// MAC address vendors by IEEE OUI (MA-L, 24-bit prefix): "who made this device" for alerts and the inventory.
///
/// WardPolicy loads it from Debian's `ieee-data` registry when installed, else from `Signatures/mac-vendors.csv`.
/// The registry's ~35,000 names stay as bytes of the loaded file and become a `String` only when looked up (a lookup
/// happens once per new device; making every name a string cost more than the rest of a short replay).
public struct MACVendors: Sendable {
    private let text: [UInt8]
    private let names: [UInt32: Range<Int32>]

    /// No vendors known.
    public static let empty = MACVendors(text: [], names: [:])

    /// A registry whose names are the byte ranges `names` of `text` (UTF-8), by OUI (upper 24 bits).
    public init(text: [UInt8], names: [UInt32: Range<Int32>]) {
        self.text = text
        self.names = names.filter { $0.value.lowerBound >= 0 && Int($0.value.upperBound) <= text.count }
    }

    /// A registry from OUI → organisation name.
    public init(_ names: [UInt32: String]) {
        var text: [UInt8] = []
        var ranges: [UInt32: Range<Int32>] = [:]
        for (prefix, name) in names {
            let start = Int32(text.count)
            text.append(contentsOf: name.utf8)
            ranges[prefix] = start..<Int32(text.count)
        }
        self.init(text: text, names: ranges)
    }

    /// The number of prefixes known.
    public var count: Int { names.count }

    /// The vendor of `mac`, or `nil` when unknown or when the address is locally administered (randomised).
    public func vendor(of mac: MACAddress) -> String? {
        guard !mac.isLocallyAdministered, let range = names[mac.oui] else { return nil }
        return String(decoding: text[Int(range.lowerBound)..<Int(range.upperBound)], as: UTF8.self)
    }
}
