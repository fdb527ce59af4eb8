import WardCore

/// What the stream harnesses need of an analyzer: the engine's calling contract (WardCore/StreamAnalysis.swift).
public protocol FuzzedStreamAnalyzer {
    associatedtype Record: FuzzedRecord
    @discardableResult
    mutating func receive(_ bytes: RawSpan, direction: StreamDirection, at time: PacketTime) -> Bool
    mutating func gap(length: Int, direction: StreamDirection)
    mutating func finish(at time: PacketTime)
    mutating func popRecord() -> Record?
}

/// A record the harness renders, as the engine would.
public protocol FuzzedRecord {
    func encode(into writer: inout JSONWriter)
}

/// Feeds `size` bytes to `analyzer` as two interleaved directions cut at input-chosen points (each chunk is
/// preceded by a control byte: its length, direction, and 0xFF for a gap of that length), renders every record,
/// then finishes the connection. Returns the rendered records, for harnesses that compare two analyzers.
@discardableResult
public func fuzzStream<Analyzer: FuzzedStreamAnalyzer>(
    _ analyzer: inout Analyzer, _ data: UnsafePointer<UInt8>, _ size: Int
) -> [String] {
    var rendered: [String] = []
    func render(_ record: Analyzer.Record) {
        var writer = JSONWriter()
        writer.beginObject()
        record.encode(into: &writer)
        writer.endObject()
        rendered.append(writer.text)
    }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var offset = 0
    var step: Int64 = 0
    while offset < size {
        let control = Int(bytes[offset])
        let length = min(size - offset - 1, 1 + control % 97)
        guard length > 0 else { break }
        let chunk = bytes.bytes.extracting((offset + 1)..<(offset + 1 + length))
        let direction: StreamDirection = control & 0x80 == 0 ? .originator : .responder
        var queued = true
        if control == 0xFF {
            analyzer.gap(length: length, direction: direction)
        } else {
            queued = analyzer.receive(chunk, direction: direction, at: PacketTime(nanoseconds: step))
        }
        step += 1_000
        offset += 1 + length
        while let record = analyzer.popRecord() {
            // The engine pops only when `receive` says something is queued: a record it did not announce is lost.
            precondition(queued, "receive returned false with a record queued")
            render(record)
        }
    }
    analyzer.finish(at: PacketTime(nanoseconds: step))
    while let record = analyzer.popRecord() { render(record) }
    return rendered
}
