import FuzzSupport
import WardCore
import WardDICOM

extension DICOMAnalyzer: FuzzedStreamAnalyzer {}
extension DICOMAssociationRecord: FuzzedRecord {}

/// The memo an engine's connections share, kept across inputs (small, so that bodies are also replaced).
nonisolated(unsafe) private var sharedAssociations = DICOMAssociateMemo(capacity: 4)

/// The analyzer as the engine drives it: A-ASSOCIATE bodies are looked up in `sharedAssociations`.
private struct SharingDICOMAnalyzer: FuzzedStreamAnalyzer {
    var analyzer = DICOMAnalyzer()

    mutating func receive(_ bytes: RawSpan, direction: StreamDirection, at time: PacketTime) -> Bool {
        analyzer.receive(bytes, direction: direction, at: time, associations: &sharedAssociations)
    }

    mutating func gap(length: Int, direction: StreamDirection) { analyzer.gap(length: length, direction: direction) }
    mutating func finish(at time: PacketTime) { analyzer.finish(at: time) }
    mutating func popRecord() -> DICOMAssociationRecord? { analyzer.popRecord() }
}

/// The analyzer as the engine drives it on bulk transfers: a chunk that lies wholly within what the analyzer said it
/// would pass over (the rest of a data set) is skipped instead of received.
private struct SkippingDICOMAnalyzer: FuzzedStreamAnalyzer {
    var analyzer = DICOMAnalyzer()
    var associations = DICOMAssociateMemo(capacity: 4)
    var passable = (originator: 0, responder: 0)

    mutating func receive(_ bytes: RawSpan, direction: StreamDirection, at time: PacketTime) -> Bool {
        let allowed = direction == .originator ? passable.originator : passable.responder
        if bytes.byteCount <= allowed {
            analyzer.skip(bytes.byteCount, direction: direction)
            set(allowed - bytes.byteCount, direction)
            return false
        }
        var skippable = 0
        let waiting = analyzer.receive(
            bytes, direction: direction, at: time, associations: &associations, skippable: &skippable)
        set(skippable, direction)
        return waiting
    }

    mutating func gap(length: Int, direction: StreamDirection) {
        analyzer.gap(length: length, direction: direction)
        set(0, direction)
    }

    mutating func finish(at time: PacketTime) { analyzer.finish(at: time) }
    mutating func popRecord() -> DICOMAssociationRecord? { analyzer.popRecord() }

    private mutating func set(_ count: Int, _ direction: StreamDirection) {
        if direction == .originator { passable.originator = count } else { passable.responder = count }
    }
}

/// libFuzzer entry: the DICOM analyzer under `fuzzStream` (interleaved directions, input-chosen cuts and gaps), once
/// decoding every A-ASSOCIATE body, once through a memo that earlier inputs filled, and once skipping the chunks it
/// said it would not read: all three must report the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDICOM(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var analyzer = DICOMAnalyzer()
    let alone = fuzzStream(&analyzer, data, size)
    var sharing = SharingDICOMAnalyzer()
    let shared = fuzzStream(&sharing, data, size)
    precondition(
        alone == shared && analyzer.anomalies == sharing.analyzer.anomalies,
        "the shared A-ASSOCIATE memo changed what the analyzer reports")
    var skipping = SkippingDICOMAnalyzer()
    let skipped = fuzzStream(&skipping, data, size)
    precondition(
        alone == skipped && analyzer.anomalies == skipping.analyzer.anomalies,
        "passing over what the analyzer would not read changed what it reports")
    return 0
}
