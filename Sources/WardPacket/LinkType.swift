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
    @inlinable public static var null: LinkType { LinkType(rawValue: 0) }

    /// Ethernet II / IEEE 802.3 (`DLT_EN10MB`).
    @inlinable public static var ethernet: LinkType { LinkType(rawValue: 1) }

    /// Raw IP, as Linux's libpcap reports it (`DLT_RAW`).
    @inlinable public static var raw: LinkType { LinkType(rawValue: 12) }

    /// Raw IP, as some BSDs report it.
    @inlinable public static var rawBSD: LinkType { LinkType(rawValue: 14) }

    /// Raw IP by its LINKTYPE value, as written in files.
    @inlinable public static var rawLinkType: LinkType { LinkType(rawValue: 101) }

    /// OpenBSD loopback: a 4-byte network-order address family (`DLT_LOOP`).
    @inlinable public static var loop: LinkType { LinkType(rawValue: 108) }

    /// Linux cooked capture v1, as `-i any` wrote it (`DLT_LINUX_SLL`).
    @inlinable public static var linuxSLL: LinkType { LinkType(rawValue: 113) }

    /// Raw IPv4 (`DLT_IPV4`).
    @inlinable public static var ipv4: LinkType { LinkType(rawValue: 228) }

    /// Raw IPv6 (`DLT_IPV6`).
    @inlinable public static var ipv6: LinkType { LinkType(rawValue: 229) }

    /// Linux cooked capture v2 (`DLT_LINUX_SLL2`).
    @inlinable public static var linuxSLL2: LinkType { LinkType(rawValue: 276) }

    /// Whether the decoder understands this link type.
    public var isSupported: Bool {
        switch self {
        case .null, .ethernet, .raw, .rawBSD, .rawLinkType, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2: true
        default: false
        }
    }
}
