import WardCore

/// MAC address vendors by IEEE OUI (MA-L, 24-bit prefix): "who made this device" for alerts and the inventory.
///
/// WardPolicy loads it from Debian's `ieee-data` registry when installed, else from `Signatures/mac-vendors.csv`.
public struct MACVendors: Sendable {
    private let names: [UInt32: String]

    /// No vendors known.
    public static let empty = MACVendors([:])

    /// A registry from OUI (upper 24 bits) → organisation name.
    public init(_ names: [UInt32: String]) {
        self.names = names
    }

    /// The number of prefixes known.
    public var count: Int { names.count }

    /// The vendor of `mac`, or `nil` when unknown or when the address is locally administered (randomised).
    public func vendor(of mac: MACAddress) -> String? {
        guard !mac.isLocallyAdministered else { return nil }
        return names[mac.oui]
    }
}
