import FuzzSupport
import WardSMB2

extension SMB2Analyzer: FuzzedStreamAnalyzer {}
extension SMB2Record: FuzzedRecord {}

/// libFuzzer entry: the SMB2 analyzer under `fuzzStream` (interleaved directions, input-chosen cuts and gaps).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSMB2(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var analyzer = SMB2Analyzer()
    fuzzStream(&analyzer, data, size)
    return 0
}
