import WardCore
import WardSMB2

/// Builds SMB2 messages byte by byte for the tests ([MS-SMB2] §2.2), framed in NBSS.
enum SMB2Builder {
    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
    static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
    static func utf16(_ text: String) -> [UInt8] { text.utf16.flatMap { le16($0) } }
    static func fileID(_ id: UInt64) -> [UInt8] { le64(id) + le64(id ^ 0xABCD) }

    /// An NBSS session message around `message`.
    static func nbss(_ message: [UInt8]) -> [UInt8] {
        let length = UInt32(message.count)
        return [0, UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + message
    }

    /// The 64-byte sync header.
    static func header(
        _ command: SMB2Command, messageID: UInt64, response: Bool = false, status: UInt32 = 0, treeID: UInt32 = 1,
        sessionID: UInt64 = 0x1122, next: UInt32 = 0, related: Bool = false
    ) -> [UInt8] {
        var flags: UInt32 = response ? 1 : 0
        if related { flags |= 4 }
        var bytes: [UInt8] = [0xFE, 0x53, 0x4D, 0x42] + le16(64) + le16(1) + le32(status) + le16(command.rawValue)
        bytes += le16(1) + le32(flags) + le32(next) + le64(messageID) + le32(0) + le32(treeID) + le64(sessionID)
        bytes += [UInt8](repeating: 0, count: 16)
        return bytes
    }

    static func negotiateRequest(messageID: UInt64, dialects: [UInt16]) -> [UInt8] {
        var body = le16(36) + le16(UInt16(dialects.count)) + le16(1) + le16(0) + le32(0x7F)
        body += [UInt8](repeating: 0x11, count: 16) + le64(0)
        body += dialects.flatMap { le16($0) }
        return header(.negotiate, messageID: messageID, treeID: 0, sessionID: 0) + body
    }

    static func negotiateResponse(messageID: UInt64, dialect: UInt16, securityMode: UInt16, capabilities: UInt32)
        -> [UInt8]
    {
        var body = le16(65) + le16(securityMode) + le16(dialect) + le16(0) + [UInt8](repeating: 0x22, count: 16)
        body += le32(capabilities) + le32(65536) + le32(65536) + le32(65536) + le64(0) + le64(0)
        body += le16(128) + le16(0) + le32(0)
        return header(.negotiate, messageID: messageID, response: true, treeID: 0, sessionID: 0) + body
    }

    /// A minimal NTLMSSP AUTHENTICATE (type 3) with Unicode names, wrapped in some SPNEGO-like prefix bytes.
    static func ntlmAuthenticate(user: String, domain: String, workstation: String) -> [UInt8] {
        let domainBytes = utf16(domain)
        let userBytes = utf16(user)
        let hostBytes = utf16(workstation)
        let lm = [UInt8](repeating: 0xAA, count: 24)
        let nt = [UInt8](repeating: 0xBB, count: 24)
        var offset: UInt32 = 72
        func field(_ bytes: [UInt8]) -> [UInt8] {
            defer { offset += UInt32(bytes.count) }
            return le16(UInt16(bytes.count)) + le16(UInt16(bytes.count)) + le32(offset)
        }
        var message: [UInt8] = Array("NTLMSSP".utf8) + [0] + le32(3)
        message += field(lm) + field(nt) + field(domainBytes) + field(userBytes) + field(hostBytes)
        message += le16(0) + le16(0) + le32(0) + le32(0xE288_8215) + [UInt8](repeating: 0, count: 8)
        message += lm + nt + domainBytes + userBytes + hostBytes
        return [0xA1, 0x82, 0x01, 0x20, 0x30, 0x82, 0x01, 0x1C, 0xA2, 0x82, 0x01, 0x18, 0x04, 0x82, 0x01, 0x14]
            + message
    }

    static func sessionSetupRequest(messageID: UInt64, blob: [UInt8]) -> [UInt8] {
        let body = [25, 0, 0, 1] + le32(1) + le32(0) + le16(64 + 24) + le16(UInt16(blob.count)) + le64(0) + blob
        return header(.sessionSetup, messageID: messageID, treeID: 0) + body
    }

    static func sessionSetupResponse(messageID: UInt64, status: UInt32, flags: UInt16) -> [UInt8] {
        header(.sessionSetup, messageID: messageID, response: true, status: status, treeID: 0)
            + le16(9) + le16(flags) + le16(72) + le16(0) + [0]
    }

    static func treeConnectRequest(messageID: UInt64, path: String) -> [UInt8] {
        let name = utf16(path)
        return header(.treeConnect, messageID: messageID, treeID: 0)
            + le16(9) + le16(0) + le16(72) + le16(UInt16(name.count)) + name
    }

    static func treeConnectResponse(messageID: UInt64, treeID: UInt32, status: UInt32 = 0, shareType: UInt8 = 1)
        -> [UInt8]
    {
        let head = header(.treeConnect, messageID: messageID, response: true, status: status, treeID: treeID)
        if status != 0 { return head + le16(9) + le16(0) + le32(0) + [0] }
        return head + le16(16) + [shareType, 0] + le32(0) + le32(0) + le32(0x1F01FF)
    }

    static func createRequest(
        messageID: UInt64, name: String, disposition: UInt32, options: UInt32 = 0, treeID: UInt32 = 1,
        next: UInt32 = 0, related: Bool = false
    ) -> [UInt8] {
        let nameBytes = utf16(name)
        var body = le16(57) + [0, 0] + le32(2) + le64(0) + le64(0) + le32(0x0012_019F) + le32(0x80) + le32(7)
        body += le32(disposition) + le32(options) + le16(120) + le16(UInt16(nameBytes.count)) + le32(0) + le32(0)
        body += nameBytes.isEmpty ? [0] : nameBytes
        return header(.create, messageID: messageID, treeID: treeID, next: next, related: related) + body
    }

    static func createResponse(messageID: UInt64, action: UInt32, fileID id: UInt64, status: UInt32 = 0, next: UInt32 = 0)
        -> [UInt8]
    {
        let head = header(.create, messageID: messageID, response: true, status: status, next: next)
        if status != 0 { return head + le16(9) + le16(0) + le32(0) + [0] }
        var body = le16(89) + [0, 0] + le32(action) + [UInt8](repeating: 0, count: 32) + le64(4096) + le64(100)
        body += le32(0x80) + le32(0) + fileID(id) + le32(0) + le32(0)
        return head + body
    }

    static func closeRequest(messageID: UInt64, fileID id: UInt64, related: Bool = false, next: UInt32 = 0) -> [UInt8] {
        let idBytes = related ? [UInt8](repeating: 0xFF, count: 16) : fileID(id)
        return header(.close, messageID: messageID, next: next, related: related) + le16(24) + le16(0) + le32(0)
            + idBytes
    }

    static func closeResponse(messageID: UInt64, next: UInt32 = 0) -> [UInt8] {
        header(.close, messageID: messageID, response: true, next: next) + le16(60) + le16(0) + le32(0)
            + [UInt8](repeating: 0, count: 52)
    }

    static func writeRequest(messageID: UInt64, fileID id: UInt64, offset: UInt64, data: [UInt8]) -> [UInt8] {
        var body = le16(49) + le16(0x70) + le32(UInt32(data.count)) + le64(offset) + fileID(id)
        body += le32(0) + le32(0) + le16(0) + le16(0) + le32(0)
        return header(.write, messageID: messageID) + body + data
    }

    static func writeResponse(messageID: UInt64, count: UInt32) -> [UInt8] {
        header(.write, messageID: messageID, response: true) + le16(17) + le16(0) + le32(count) + le32(0) + le16(0)
            + le16(0)
    }

    static func readRequest(messageID: UInt64, fileID id: UInt64, length: UInt32) -> [UInt8] {
        header(.read, messageID: messageID) + le16(49) + [0, 0] + le32(length) + le64(0) + fileID(id) + le32(1)
            + le32(0) + le32(0) + le16(0) + le16(0) + [0]
    }

    static func readResponse(messageID: UInt64, data: [UInt8]) -> [UInt8] {
        header(.read, messageID: messageID, response: true) + le16(17) + [0x50, 0] + le32(UInt32(data.count))
            + le32(0) + le32(0) + data
    }

    static func setInfoRename(messageID: UInt64, fileID id: UInt64, newName: String, related: Bool = false,
                              next: UInt32 = 0) -> [UInt8] {
        let name = utf16(newName)
        let buffer: [UInt8] = [0] + [UInt8](repeating: 0, count: 7) + le64(0) + le32(UInt32(name.count)) + name
        let idBytes = related ? [UInt8](repeating: 0xFF, count: 16) : fileID(id)
        return header(.setInfo, messageID: messageID, next: next, related: related) + le16(33) + [1, 10]
            + le32(UInt32(buffer.count)) + le16(96) + le16(0) + le32(0) + idBytes + buffer
    }

    static func setInfoDelete(messageID: UInt64, fileID id: UInt64) -> [UInt8] {
        header(.setInfo, messageID: messageID) + le16(33) + [1, 13] + le32(1) + le16(96) + le16(0) + le32(0)
            + fileID(id) + [1]
    }

    static func setInfoResponse(messageID: UInt64, next: UInt32 = 0) -> [UInt8] {
        header(.setInfo, messageID: messageID, response: true, next: next) + le16(2)
    }

    static func logoff(messageID: UInt64, response: Bool) -> [UInt8] {
        header(.logoff, messageID: messageID, response: response) + le16(4) + le16(0)
    }

    /// Pads `message` to a multiple of 8 and sets its NextCommand to its padded length.
    static func chained(_ messages: [[UInt8]]) -> [UInt8] {
        var result: [UInt8] = []
        for (index, message) in messages.enumerated() {
            var padded = message
            if index < messages.count - 1 {
                while padded.count % 8 != 0 { padded.append(0) }
                let next = le32(UInt32(padded.count))
                padded.replaceSubrange(20..<24, with: next)
                padded[16] |= 4  // related
            }
            result += padded
        }
        return result
    }
}

/// One direction's bytes in stream order.
struct Segment {
    var direction: StreamDirection
    var bytes: [UInt8]
}

/// Runs `segments` through a fresh analyzer, re-chunking each segment with `chunk`, and returns the records' JSON.
func runAnalyzer(
    _ segments: [Segment], limits: SMB2Limits = SMB2Limits(), chunk: (Int) -> [Range<Int>] = { [0..<$0] }
) -> (records: [String], analyzer: SMB2Analyzer) {
    var analyzer = SMB2Analyzer(limits: limits)
    var records: [String] = []
    for (index, segment) in segments.enumerated() {
        for range in chunk(segment.bytes.count) {
            segment.bytes[range].withUnsafeBytes {
                _ = analyzer.receive($0.bytes, direction: segment.direction, at: PacketTime(nanoseconds: Int64(index)))
            }
        }
        while let record = analyzer.popRecord() { records.append(encode(record)) }
    }
    analyzer.finish(at: PacketTime(nanoseconds: 1_000_000))
    while let record = analyzer.popRecord() { records.append(encode(record)) }
    return (records, analyzer)
}

func encode(_ record: SMB2Record) -> String {
    var writer = JSONWriter()
    writer.beginObject()
    record.encode(into: &writer)
    writer.endObject()
    return writer.text
}

func fileRecords(_ analyzer: inout SMB2Analyzer) -> [SMB2FileRecord] {
    var result: [SMB2FileRecord] = []
    while let record = analyzer.popRecord() {
        if case .file(let file) = record { result.append(file) }
    }
    return result
}
