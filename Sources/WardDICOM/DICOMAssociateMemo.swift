import WardCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The A-ASSOCIATE-RQ and -AC bodies decoded last, with what decoding them gave: shared by every DICOM connection
/// of one engine.
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
        let entry = Entry(isAccept: isAccept, limits: limits, body: body, pdu: pdu, anomalies: anomalies)
        guard capacity > 0 else { return entry }
        if entries.count < capacity {
            entries.append(entry)
        } else {
            entries[nextReplaced] = entry
            nextReplaced = (nextReplaced + 1) % capacity
        }
        return entry
    }

    private func index(of body: [UInt8], isAccept: Bool, limits: DICOMLimits) -> Int? {
        body.withUnsafeBytes { wanted in
            entries.firstIndex { entry in
                entry.body.count == wanted.count && entry.isAccept == isAccept && entry.limits == limits
                    && entry.body.withUnsafeBytes { held in
                        wanted.isEmpty || memcmp(held.baseAddress!, wanted.baseAddress!, wanted.count) == 0
                    }
            }
        }
    }
}
