import FuzzSupport
import WardDICOM

extension DICOMAnalyzer: FuzzedStreamAnalyzer {}
extension DICOMAssociationRecord: FuzzedRecord {}

/// libFuzzer entry: the DICOM analyzer under `fuzzStream` (interleaved directions, input-chosen cuts and gaps).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDICOM(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var analyzer = DICOMAnalyzer()
    fuzzStream(&analyzer, data, size)
    return 0
}
