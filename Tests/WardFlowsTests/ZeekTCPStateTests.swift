import Testing
import WardCore
import WardFlows
import WardPacket
import WardTestSupport

/// TCP endpoint states and history letters follow Zeek's TCP analyzer (zeek/src/packet_analysis/protocol/tcp/
/// TCPSessionAdapter.cc: update_history, UpdateInactiveState, UpdateSYN_SentState, UpdateClosedState) and the
/// conn_state function of base/protocols/conn/main.zeek, in the cases where WardWatch used to differ.
@Suite struct ZeekTCPStateTests {
    private static let client: (UInt32, UInt16) = (0xC000_0201, 50_000)  // 192.0.2.1
    private static let server: (UInt32, UInt16) = (0xC633_6401, 80)  // 198.51.100.1
    private static let (fin, syn, rst, psh, ack): (UInt8, UInt8, UInt8, UInt8, UInt8) = (0x01, 0x02, 0x04, 0x08, 0x10)

    /// (from client?, flags, payload bytes), played one millisecond apart with consistent sequence numbers.
    private static func play(_ segments: [(Bool, UInt8, Int)]) -> FlowRecord {
        var table = FlowTable()
        var sequences: [Bool: UInt32] = [true: 1000, false: 5000]
        var slot: Int32 = -1
        for (index, (fromClient, flags, payload)) in segments.enumerated() {
            let sequence = sequences[fromClient]!
            let bytes = FrameBuilder.tcp(
                source: fromClient ? client : server, destination: fromClient ? server : client, flags: flags,
                sequence: sequence, payload: [UInt8](repeating: 0x41, count: payload),
                sourceMAC: fromClient ? 0x0200_0000_0001 : 0x0200_0000_0002,
                destinationMAC: fromClient ? 0x0200_0000_0002 : 0x0200_0000_0001)
            sequences[fromClient] = sequence &+ UInt32(payload) &+ (flags & (syn | fin) != 0 ? 1 : 0)
            var packet = bytes.withUnsafeBytes {
                PacketDecoder.decode($0.bytes, wireLength: bytes.count, linkType: .ethernet)
            }
            slot = table.update(
                with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: Int64(index) * 1_000_000))
        }
        return table.flow(at: slot)
    }

    @Test func synAndSYNACKWithoutFinalACKIsS1() {
        // The responder's SYN-ACK establishes both sides in Zeek; the third ACK is not needed.
        let flow = Self.play([(true, Self.syn, 0), (false, Self.syn | Self.ack, 0)])
        #expect(flow.connectionState == .s1)
        #expect(flow.history.text == "Sh")
    }

    @Test func resetByResponderAfterItsSYNACKIsRSTRNotREJ() {
        let flow = Self.play([(true, Self.syn, 0), (false, Self.syn | Self.ack, 0), (false, Self.rst | Self.ack, 0)])
        #expect(flow.connectionState == .rstr)
        #expect(flow.history.text == "Shr")
    }

    @Test func missedSYNConnectionIsEstablished() {
        let missedSYN: [(Bool, UInt8, Int)] = [
            (false, Self.syn | Self.ack, 0), (true, Self.ack, 0), (true, Self.psh | Self.ack, 10),
            (false, Self.psh | Self.ack, 20),
        ]
        let open = Self.play(missedSYN)
        #expect(open.originatorAddress.description == "192.0.2.1")
        #expect(open.history.text == "^hADd")
        #expect(open.connectionState == .s1)
        #expect(Self.play(missedSYN + [(false, Self.rst | Self.ack, 0)]).connectionState == .rstr)
        #expect(Self.play(missedSYN + [(false, Self.fin | Self.ack, 0)]).connectionState == .s3)
    }

    @Test func resetAfterBothFINsStaysSF() {
        let flow = Self.play([
            (true, Self.syn, 0), (false, Self.syn | Self.ack, 0), (true, Self.ack, 0), (true, Self.psh | Self.ack, 10),
            (false, Self.psh | Self.ack, 20), (true, Self.fin | Self.ack, 0), (false, Self.fin | Self.ack, 0),
            (true, Self.rst | Self.ack, 0),
        ])
        #expect(flow.connectionState == .sf)
        #expect(flow.history.text == "ShADdFfR")
        // A RST after only one side's FIN is still a reset.
        let halfClosed = Self.play([
            (true, Self.syn, 0), (false, Self.syn | Self.ack, 0), (true, Self.ack, 0), (true, Self.fin | Self.ack, 0),
            (true, Self.rst | Self.ack, 0),
        ])
        #expect(halfClosed.connectionState == .rsto)
    }

    @Test func dataOnFINOrRSTGivesNoDataLetter() {
        // Zeek's update_history writes `D` only for segments without SYN, FIN or RST.
        let flow = Self.play([
            (true, Self.syn, 0), (false, Self.syn | Self.ack, 0), (true, Self.ack, 0),
            (true, Self.fin | Self.psh | Self.ack, 10), (false, Self.rst | Self.ack, 4),
        ])
        #expect(flow.history.text == "ShAFr")
    }

    @Test func multiFlagSegmentGivesOnlyQ() {
        let flow = Self.play([(true, Self.syn | Self.fin, 0)])
        #expect(flow.history.text == "Q")
        #expect(flow.connectionState == .sh)  // SYN then FIN from an inactive originator: closed
    }

    @Test func responderACKBeforeSYNACKIsNotPartial() {
        // "Some eccentric TCPs ack an initial SYN prior to sending a SYN reply" (Zeek keeps the responder inactive).
        let flow = Self.play([(true, Self.syn, 0), (false, Self.ack, 0)])
        #expect(flow.connectionState == .s0)
        #expect(flow.history.text == "Sa")
    }
}
