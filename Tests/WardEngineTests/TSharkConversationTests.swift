import Foundation
import Testing
import WardTestSupport

/// Per-conversation frame and byte counts agree with `tshark -q -z conv,tcp -z conv,udp` for every capture we ship.
@Suite struct TSharkConversationTests {
    struct Conversation {
        var framesAtoB = 0
        var bytesAtoB = 0
        var framesBtoA = 0
        var bytesBtoA = 0
    }

    /// Parses tshark's conversation table; bytes are exact ("1781 bytes") or rounded ("92 kB").
    static func tsharkConversations(_ path: String) throws -> [String: (Conversation, exactBytes: Bool, tolerance: Int)] {
        let tshark = try #require(which("tshark"), "tshark is required: run `make setup` (Scripts/setup.sh)")
        let result = try runCommand(tshark, ["-q", "-n", "-r", path, "-z", "conv,tcp", "-z", "conv,udp"])
        #expect(result.status == 0, "tshark failed: \(result.error)")
        var conversations: [String: (Conversation, exactBytes: Bool, tolerance: Int)] = [:]
        var transport = ""
        for line in result.output.split(separator: "\n") {
            if line.hasPrefix("TCP Conversations") { transport = "tcp" }
            if line.hasPrefix("UDP Conversations") { transport = "udp" }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 10, fields[1] == "<->" else { continue }
            // A <-> B | frames bytes unit (<-: B to A) | frames bytes unit (->: A to B) | total ...
            func endpoint(_ text: String) -> String {
                let colon = text.lastIndex(of: ":")!
                return "\(text[..<colon])|\(text[text.index(after: colon)...])"
            }
            let a = endpoint(fields[0])
            let b = endpoint(fields[2])
            func bytes(_ value: String, _ unit: String) -> (Int, Int) {
                let number = Int(value) ?? -1
                switch unit {
                case "kB": return (number * 1000, 1000)
                case "MB": return (number * 1_000_000, 1_000_000)
                default: return (number, 0)
                }
            }
            let (toA, toleranceA) = bytes(fields[4], fields[5])
            let (toB, toleranceB) = bytes(fields[7], fields[8])
            var conversation = Conversation()
            conversation.framesBtoA = Int(fields[3]) ?? -1
            conversation.bytesBtoA = toA
            conversation.framesAtoB = Int(fields[6]) ?? -1
            conversation.bytesAtoB = toB
            let key = a <= b ? "\(transport) \(a) \(b)" : "\(transport) \(b) \(a)"
            if a > b { swap(&conversation.framesAtoB, &conversation.framesBtoA); swap(&conversation.bytesAtoB, &conversation.bytesBtoA) }
            conversations[key] = (conversation, toleranceA == 0 && toleranceB == 0, max(toleranceA, toleranceB))
        }
        return conversations
    }

    /// Damaged files in `malformed/` are not readable to the end (MalformedCaptureTests covers them); of those, only
    /// the snaplen-truncated copies are complete captures tshark can compare.
    @Test(arguments: Fixtures.allCaptures().filter { !$0.contains("/malformed/") || $0.contains("/malformed/snaplen-") })
    func conversationsMatchTShark(capture: String) throws {
        let expected = try Self.tsharkConversations(capture)
        let (_, events) = try ReplayHarness.replay([capture])
        var ours: [String: Conversation] = [:]
        for flow in ReplayHarness.flows(in: events) where flow.transport == "tcp" || flow.transport == "udp" {
            let (key, sourceFirst) = flow.conversationKey
            var conversation = ours[key] ?? Conversation()
            if sourceFirst {
                conversation.framesAtoB += flow.sourcePackets
                conversation.bytesAtoB += flow.sourceBytes
                conversation.framesBtoA += flow.destinationPackets
                conversation.bytesBtoA += flow.destinationBytes
            } else {
                conversation.framesAtoB += flow.destinationPackets
                conversation.bytesAtoB += flow.destinationBytes
                conversation.framesBtoA += flow.sourcePackets
                conversation.bytesBtoA += flow.sourceBytes
            }
            ours[key] = conversation
        }
        #expect(Set(ours.keys) == Set(expected.keys), "conversation sets differ in \(capture)")
        for (key, (theirs, exact, tolerance)) in expected {
            guard let mine = ours[key] else { continue }
            #expect(mine.framesAtoB == theirs.framesAtoB && mine.framesBtoA == theirs.framesBtoA, "frames of \(key)")
            if exact {
                #expect(mine.bytesAtoB == theirs.bytesAtoB && mine.bytesBtoA == theirs.bytesBtoA, "bytes of \(key)")
            } else {
                #expect(abs(mine.bytesAtoB - theirs.bytesAtoB) <= tolerance, "bytes A→B of \(key)")
                #expect(abs(mine.bytesBtoA - theirs.bytesBtoA) <= tolerance, "bytes B→A of \(key)")
            }
        }
    }
}
