import WardCore
import WardHL7

/// libFuzzer entry: the HL7 analyzer fed the input as two interleaved directions, cut at input-chosen points,
/// with a gap, then finished; every record is rendered.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHL7(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var analyzer = HL7Analyzer()
    var offset = 0
    var step: Int64 = 0
    while offset < size {
        let control = Int(bytes[offset])
        let length = min(size - offset - 1, 1 + control % 97)
        guard length > 0 else { break }
        let chunk = bytes.bytes.extracting((offset + 1)..<(offset + 1 + length))
        let direction: StreamDirection = control & 0x80 == 0 ? .originator : .responder
        if control == 0xFF {
            analyzer.gap(length: length, direction: direction)
        } else {
            analyzer.receive(chunk, direction: direction, at: PacketTime(nanoseconds: step))
        }
        step += 1_000
        offset += 1 + length
        while let record = analyzer.popRecord() {
            var writer = JSONWriter()
            writer.beginObject()
            record.encode(into: &writer)
            writer.endObject()
        }
    }
    analyzer.finish(at: PacketTime(nanoseconds: step))
    while analyzer.popRecord() != nil {}
    return 0
}
