import FuzzSupport
import WardHL7

extension HL7Analyzer: FuzzedStreamAnalyzer {}
extension HL7MessageRecord: FuzzedRecord {}

/// libFuzzer entry: the HL7 analyzer under `fuzzStream` (interleaved directions, input-chosen cuts and gaps).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHL7(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var analyzer = HL7Analyzer()
    fuzzStream(&analyzer, data, size)
    return 0
}
