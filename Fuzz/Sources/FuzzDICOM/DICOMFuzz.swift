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

/// libFuzzer entry: the DICOM analyzer under `fuzzStream` (interleaved directions, input-chosen cuts and gaps), once
/// decoding every A-ASSOCIATE body and once through a memo that earlier inputs filled: both must report the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDICOM(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var analyzer = DICOMAnalyzer()
    let alone = fuzzStream(&analyzer, data, size)
    var sharing = SharingDICOMAnalyzer()
    let shared = fuzzStream(&sharing, data, size)
    precondition(
        alone == shared && analyzer.anomalies == sharing.analyzer.anomalies,
        "the shared A-ASSOCIATE memo changed what the analyzer reports")
    return 0
}
