import WardCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The A-ASSOCIATE-RQ and -AC bodies decoded last, with what decoding them gave, and for an accept what it made of
/// the request it answered: shared by every DICOM connection of one engine.
///
/// A modality opens an association per study or series with the same request, byte for byte, and its peer answers
/// with the same accept. Checking the several hundred UIDs of such a request again was most of the DICOM analyzer's
/// work. A body is looked up by its length and then compared whole; a hit yields the PDU and the anomaly counts that
/// decoding it gave, which are what decoding it again would give (decoding depends on nothing but the bytes, the PDU
/// type and the limits, all three compared). The memo holds at most `capacity` bodies, each at most
/// ``DICOMLimits/maximumAssociatePDUBytes`` long (the framer skips longer ones; 64 of 64 KiB: 4 MiB at most, typically
/// 64 of about 10 KiB), and replaces them in turn. The hospital mix of the benchmark has 29 distinct bodies: 16
/// entries found 83 % of its 14,094 bodies, 32 and more all but those 29.
public struct DICOMAssociateMemo: Sendable {
    /// One decoded body.
    struct Entry: Sendable {
        var isAccept: Bool
        var limits: DICOMLimits
        /// The body; a request's is kept by the association until it is accepted, so it is shared, not copied.
        var body: [UInt8]
        var pdu: DICOMAssociatePDU
        /// The anomalies decoding raised.
        var anomalies: DICOMAnomalyCounts
        /// Where the memo holds this entry (nil when it does not).
        var slot: Int?
        /// For an accept: what it made of the request body it answered last.
        var acceptance: (request: [UInt8], value: DICOMAssociationStateMachine.Acceptance)?
    }

    private var entries: [Entry] = []
    private var nextReplaced = 0
    /// The most bodies held.
    public let capacity: Int
    /// Bodies held.
    public var count: Int { entries.count }
    /// Bodies found in the memo.
    public private(set) var hits = 0
    /// Bodies decoded.
    public private(set) var misses = 0

    /// A memo of at most `capacity` bodies; 0 decodes every body.
    public init(capacity: Int = 64) {
        self.capacity = max(0, capacity)
    }

    /// The decoded form of `body`, an A-ASSOCIATE-AC's when `isAccept`, else an A-ASSOCIATE-RQ's: from the memo, or
    /// decoded with ``DICOMAssociatePDU/decode(_:isAccept:limits:anomalies:detail:)`` (a request's contexts as
    /// ranges, an accept's in full) and remembered.
    /// - Throws: ``DICOMAssociatePDU/DecodeFailure/truncated`` when the fixed part is incomplete.
    mutating func decode(_ body: [UInt8], isAccept: Bool, limits: DICOMLimits) throws(DICOMAssociatePDU.DecodeFailure)
        -> Entry
    {
        if let index = index(of: body, isAccept: isAccept, limits: limits) {
            hits &+= 1
            return entries[index]
        }
        misses &+= 1
        var anomalies = DICOMAnomalyCounts()
        let decoded = body.withUnsafeBytes { raw in
            Result { () throws(DICOMAssociatePDU.DecodeFailure) in
                try DICOMAssociatePDU.decode(
                    raw.bytes, isAccept: isAccept, limits: limits, anomalies: &anomalies,
                    detail: isAccept ? .full : .abstractSyntaxRanges)
            }
        }
        let pdu = try decoded.get()
        var entry = Entry(isAccept: isAccept, limits: limits, body: body, pdu: pdu, anomalies: anomalies)
        guard capacity > 0 else { return entry }
        if entries.count < capacity {
            entry.slot = entries.count
            entries.append(entry)
        } else {
            entry.slot = nextReplaced
            entries[nextReplaced] = entry
            nextReplaced = (nextReplaced + 1) % capacity
        }
        return entry
    }

    /// What the accept `entry` made of `request` the last time it answered that request body, if the memo knows.
    func acceptance(of entry: Entry, request: [UInt8]) -> DICOMAssociationStateMachine.Acceptance? {
        guard let slot = entry.slot, let known = entries[slot].acceptance, Self.same(known.request, request) else {
            return nil
        }
        return known.value
    }

    /// Keeps what the accept `entry` made of `request`.
    mutating func remember(
        _ acceptance: DICOMAssociationStateMachine.Acceptance, of entry: Entry, request: [UInt8]
    ) {
        guard let slot = entry.slot else { return }
        entries[slot].acceptance = (request, acceptance)
    }

    private func index(of body: [UInt8], isAccept: Bool, limits: DICOMLimits) -> Int? {
        // Field by field through the subscript: a closure over each entry copied the whole entry, decoded PDU and
        // all, for every comparison.
        for index in entries.indices
        where entries[index].isAccept == isAccept && Self.same(entries[index].body, body)
            && entries[index].limits == limits
        {
            return index
        }
        return nil
    }

    /// Whether two bodies hold the same bytes (lengths first, then `memcmp`).
    private static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
    }
}
