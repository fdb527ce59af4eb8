import WardCore

/// Whether an address is internal (private, shared, loopback, link-local, multicast, documentation, ULA, reserved)
/// or on the public internet, for the internet-separation rule.
public enum AddressScope {
    /// IPv4 ranges that are not the public internet: RFC 1918, RFC 6598 (CGN), loopback, link-local, "this network",
    /// IETF protocol assignments, documentation (RFC 5737), benchmarking (RFC 2544), multicast, reserved, broadcast.
    static let internalIPv4: [(network: UInt32, length: Int)] = [
        (0x0000_0000, 8),  // 0.0.0.0/8
        (0x0A00_0000, 8),  // 10.0.0.0/8
        (0x6440_0000, 10),  // 100.64.0.0/10
        (0x7F00_0000, 8),  // 127.0.0.0/8
        (0xA9FE_0000, 16),  // 169.254.0.0/16
        (0xAC10_0000, 12),  // 172.16.0.0/12
        (0xC000_0000, 24),  // 192.0.0.0/24
        (0xC000_0200, 24),  // 192.0.2.0/24
        (0xC0A8_0000, 16),  // 192.168.0.0/16
        (0xC612_0000, 15),  // 198.18.0.0/15
        (0xC633_6400, 24),  // 198.51.100.0/24
        (0xCB00_7100, 24),  // 203.0.113.0/24
        (0xE000_0000, 4),  // 224.0.0.0/4 multicast
        (0xF000_0000, 4),  // 240.0.0.0/4 reserved and 255.255.255.255
    ]

    /// `internalIPv4` with each prefix length turned into its mask once: the check runs for every new flow, and
    /// working out fourteen masks each time cost most of it.
    private static let internalIPv4Masks: [(network: UInt32, mask: UInt32)] = internalIPv4.map { range in
        (range.network, range.length == 0 ? 0 : ~UInt32(0) << UInt32(32 - range.length))
    }

    /// Whether `address` is internal (not routed on the public internet).
    public static func isInternal(_ address: IPAddress) -> Bool {
        if address.isIPv4 {
            let value = address.ipv4Value
            return internalIPv4Masks.withUnsafeBufferPointer { ranges in
                ranges.contains { value & $0.mask == $0.network }
            }
        }
        let high = address.high
        if high == 0 && (address.low == 0 || address.low == 1) { return true }  // ::, ::1
        let first16 = high >> 48
        if first16 & 0xFFC0 == 0xFE80 { return true }  // fe80::/10 link-local
        if first16 & 0xFE00 == 0xFC00 { return true }  // fc00::/7 unique local (ULA)
        if first16 & 0xFF00 == 0xFF00 { return true }  // ff00::/8 multicast
        if high >> 32 == 0x2001_0DB8 { return true }  // 2001:db8::/32 documentation
        if first16 == 0x0100 && high & 0xFFFF_FFFF_FFFF == 0 { return true }  // 100::/64 discard
        return false
    }
}
