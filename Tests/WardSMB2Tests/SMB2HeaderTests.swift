import Testing
import WardCore
import WardSMB2
import WardTestSupport

@Suite struct SMB2HeaderTests {
    /// A TREE_CONNECT response header as smbd sends it (flags: response; tree id 0x2d1d5c93).
    static let headerHex = """
        fe534d42 4000 0100 00000000 0300 0100 01000000 00000000 0400000000000000
        00000000 935c1d2d 1500280000d40000 00000000000000000000000000000000
        """

    @Test func decodesSyncHeader() throws {
        let bytes = hex(Self.headerHex)
        let header = try decodeHeader(bytes).get()
        #expect(header.command == .treeConnect)
        #expect(header.isResponse)
        #expect(!header.isRelated)
        #expect(header.messageID == 4)
        #expect(header.treeID == 0x2D1D_5C93)
        #expect(header.sessionID == 0x0000_D400_0028_0015)
        #expect(header.status == .success)
        #expect(header.credits == 1)
    }

    @Test(arguments: 0..<64) func rejectsTruncatedHeader(length: Int) {
        let bytes = Array(hex(Self.headerHex).prefix(length))
        #expect(throws: SMB2DecodeFailure.truncated) { try decodeHeader(bytes).get() }
    }

    @Test func rejectsBadMagicAndStructureSize() {
        var bytes = hex(Self.headerHex)
        bytes[0] = 0xFF
        #expect(throws: SMB2DecodeFailure.badMagic) { try decodeHeader(bytes).get() }
        bytes[0] = 0xFE
        bytes[4] = 0x41
        #expect(throws: SMB2DecodeFailure.badStructureSize) { try decodeHeader(bytes).get() }
    }

    @Test func decodesTransformHeader() throws {
        let bytes: [UInt8] = [0xFD, 0x53, 0x4D, 0x42] + [UInt8](repeating: 0x5A, count: 16)
            + [UInt8](repeating: 0x11, count: 16) + SMB2Builder.le32(1234) + [0, 0] + SMB2Builder.le16(1)
            + SMB2Builder.le64(0x77)
        let header = try bytes.withUnsafeBytes { raw in
            do throws(SMB2DecodeFailure) { return Result<SMB2TransformHeader, SMB2DecodeFailure>.success(try SMB2TransformHeader.decode(from: raw.bytes, at: 0)) }
            catch { return .failure(error) }
        }.get()
        #expect(header.originalMessageSize == 1234 && header.flags == 1 && header.sessionID == 0x77)
        // Through the analyzer: counted per session, bytes from OriginalMessageSize, payload skipped.
        let message = bytes + [UInt8](repeating: 0xEE, count: 1234)
        let (records, _) = runAnalyzer([
            Segment(direction: .originator, bytes: SMB2Builder.nbss(message)),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(message)),
        ])
        #expect(records.count == 1)
        #expect(records[0].contains(#""encrypted":true,"transform_packets":2,"transform_bytes":2468"#))
    }

    @Test func walksCompoundChain() {
        // CREATE + SET_INFO(rename, related) + CLOSE(related) in one message, answered by a compound response.
        let request = SMB2Builder.chained([
            SMB2Builder.createRequest(messageID: 10, name: "a.txt", disposition: 1),
            SMB2Builder.setInfoRename(messageID: 11, fileID: 0, newName: "a.txt.locked", related: true),
            SMB2Builder.closeRequest(messageID: 12, fileID: 0, related: true),
        ])
        let response = SMB2Builder.chained([
            SMB2Builder.createResponse(messageID: 10, action: 1, fileID: 0x42),
            SMB2Builder.setInfoResponse(messageID: 11),
            SMB2Builder.closeResponse(messageID: 12),
        ])
        let (records, analyzer) = runAnalyzer([
            Segment(direction: .originator, bytes: SMB2Builder.nbss(request)),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(response)),
        ])
        #expect(analyzer.anomalies.total == 0)
        #expect(records.count == 2)
        #expect(records[0].contains(#""filename":"a.txt""#))
        #expect(records[0].contains(#""renamed_to":"a.txt.locked""#))
        #expect(records[1].contains(#""commands":6"#))
    }

    @Test func flagsBadNextCommand() {
        var message = SMB2Builder.createRequest(messageID: 1, name: "x", disposition: 1)
        message.replaceSubrange(20..<24, with: SMB2Builder.le32(13))  // unaligned, too small
        let (_, analyzer) = runAnalyzer([Segment(direction: .originator, bytes: SMB2Builder.nbss(message))])
        #expect(analyzer.anomalies[.smb2BadNextCommand] == 1)
    }
}

/// Decodes a header from `bytes` without typed-throws closures (which crash the 6.3.1 compiler in tests).
func decodeHeader(_ bytes: [UInt8]) -> Result<SMB2Header, SMB2DecodeFailure> {
    bytes.withUnsafeBytes { raw in
        do throws(SMB2DecodeFailure) {
            return .success(try SMB2Header.decode(from: raw.bytes, at: 0))
        } catch {
            return .failure(error)
        }
    }
}
