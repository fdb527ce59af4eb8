import WardCore
import WardFlows

/// The `source`, `destination` and `network` members of recent connections' protocol records, as rendered, so that
/// the many records of one connection (an SMB session's files, an HL7 feed's messages) do not render the same
/// addresses, ports, MAC addresses and Community ID again: a third of a protocol record's rendering.
///
/// Direct-mapped by flow uid. An entry is used only when everything those members are made of matches (the flow
/// key and which end opened it, both MAC addresses, which side sent, the protocol), so a collision costs a
/// rendering, never a wrong line. Memory: at most `slots` entries of a few hundred bytes.
struct ProtocolEndpointsCache {
    /// Everything the cached members depend on.
    struct Key: Equatable {
        var flow: FlowKey
        var originatorIsLow: Bool
        var originatorMAC: MACAddress
        var responderMAC: MACAddress
        var senderIsResponder: Bool
        /// Where the protocol name literal lies: one literal per protocol, for the whole run.
        var protocolName: UnsafeRawPointer

        /// The key of a record of `record`; `nil` for a name literal held as a single scalar, without an address.
        init?(flow record: FlowIdentity, senderIsResponder: Bool, protocolName: StaticString) {
            guard protocolName.hasPointerRepresentation else { return nil }
            flow = record.key
            originatorIsLow = record.originatorIsLow
            originatorMAC = record.originatorMAC
            responderMAC = record.responderMAC
            self.senderIsResponder = senderIsResponder
            self.protocolName = UnsafeRawPointer(protocolName.utf8Start)
        }
    }

    private var keys: [Key?]
    /// Each entry's members, without the comma before them.
    private var members: [[UInt8]]

    /// A cache of `slots` entries (a power of two).
    init(slots: Int = 64) {
        keys = Array(repeating: nil, count: slots)
        members = Array(repeating: [], count: slots)
    }

    /// Writes the cached members for `key` and returns `true`, or returns `false` when they are not cached.
    func write(_ key: Key, uid: UInt64, into writer: inout JSONWriter) -> Bool {
        let slot = Int(truncatingIfNeeded: uid) & (keys.count - 1)
        guard keys[slot] == key else { return false }
        members[slot].withUnsafeBytes { writer.value(json: $0) }
        return true
    }

    /// Keeps the members `writer` rendered from offset `start` (a separator first) for `key`.
    mutating func store(_ key: Key, uid: UInt64, renderedFrom start: Int, in writer: borrowing JSONWriter) {
        let slot = Int(truncatingIfNeeded: uid) & (keys.count - 1)
        writer.withBytes { rendered in
            guard start < rendered.count, rendered[start] == UInt8(ascii: ",") else { return }
            members[slot].removeAll(keepingCapacity: true)
            members[slot].append(contentsOf: UnsafeRawBufferPointer(rebasing: rendered[(start + 1)...]))
            keys[slot] = key
        }
    }
}
