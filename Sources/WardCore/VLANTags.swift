/// Up to three 802.1Q/802.1ad VLAN IDs (outer first), part of every flow key so equal 5-tuples on different VLANs
/// stay apart (Zeek's `vlan-collisions` case).
public struct VLANTags: Hashable, Sendable, BitwiseCopyable {
    /// IDs in 12-bit fields (outer in bits 0…11, then 12…23, 24…35) and the tag count (0–3) in bits 40…41.
    public var rawValue: UInt64

    /// The most tags kept; deeper tags are walked by the decoder but not kept.
    public static let capacity = 3

    /// No VLAN tag.
    @inlinable public static var none: VLANTags { VLANTags(rawValue: 0) }

    /// Tags from their raw packed value.
    @inlinable
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The number of tags held (0 to 3).
    @inlinable
    public var count: Int { Int(rawValue >> 40 & 0x3) }

    /// The ID at `index` (0 = outer), if held.
    @inlinable
    public subscript(index: Int) -> UInt16? {
        index >= 0 && index < count ? UInt16(truncatingIfNeeded: rawValue >> UInt64(index * 12) & 0xFFF) : nil
    }

    /// The outer (first) VLAN ID, if tagged.
    @inlinable
    public var outer: UInt16? { self[0] }

    /// The inner (second) VLAN ID, if double-tagged.
    @inlinable
    public var inner: UInt16? { self[1] }

    /// Adds a tag inside the ones held.
    @inlinable
    public mutating func push(_ id: UInt16) {
        let held = count
        guard held < Self.capacity else { return }
        let ids = rawValue & 0xF_FFFF_FFFF | UInt64(id & 0xFFF) << UInt64(held * 12)
        rawValue = ids | UInt64(held + 1) << 40
    }
}
