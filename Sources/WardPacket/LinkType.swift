/// A libpcap data-link type (`pcap_datalink`), open-set: unknown values are carried, not rejected.
public struct LinkType: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    /// The DLT value libpcap reports.
    public var rawValue: Int32

    /// A link type from its DLT value.
    @inlinable
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// BSD loopback: a 4-byte host-order address family (`DLT_NULL`).
    public static let null = LinkType(rawValue: 0)
    /// Ethernet II / IEEE 802.3 (`DLT_EN10MB`).
    public static let ethernet = LinkType(rawValue: 1)
    /// Raw IP, as Linux's libpcap reports it (`DLT_RAW`).
    public static let raw = LinkType(rawValue: 12)
    /// Raw IP, as some BSDs report it.
    public static let rawBSD = LinkType(rawValue: 14)
    /// Raw IP by its LINKTYPE value, as written in files.
    public static let rawLinkType = LinkType(rawValue: 101)
    /// OpenBSD loopback: a 4-byte network-order address family (`DLT_LOOP`).
    public static let loop = LinkType(rawValue: 108)
    /// Linux cooked capture v1, as `-i any` wrote it (`DLT_LINUX_SLL`).
    public static let linuxSLL = LinkType(rawValue: 113)
    /// Raw IPv4 (`DLT_IPV4`).
    public static let ipv4 = LinkType(rawValue: 228)
    /// Raw IPv6 (`DLT_IPV6`).
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux cooked capture v2 (`DLT_LINUX_SLL2`).
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Whether the decoder understands this link type.
    public var isSupported: Bool {
        switch self {
        case .null, .ethernet, .raw, .rawBSD, .rawLinkType, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2: true
        default: false
        }
    }
}
