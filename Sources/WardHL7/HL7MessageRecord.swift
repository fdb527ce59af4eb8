import WardCore

/// One HL7 message seen on the wire: MSH/MSA metadata only (the `wardwatch.hl7` record).
///
/// Privacy by construction: there is no field for any segment other than MSH and MSA, so PID, PV1, OBX, NK1 and
/// other patient data cannot reach the output. Adding such a field is a reviewed schema change.
public struct HL7MessageRecord: Sendable, Equatable {
    /// When the message completed (the packet holding its last byte, or the connection's end).
    public var time: PacketTime
    /// Which side sent it.
    public var direction: StreamDirection
    /// MSH-9 components 1 and 2 (`ADT^A01`), never more.
    public var messageType: String
    /// MSH-10.
    public var controlID: String
    /// MSH-3, first component (namespace id).
    public var sendingApplication: String
    /// MSH-4, first component (namespace id).
    public var sendingFacility: String
    /// MSH-5, first component (namespace id).
    public var receivingApplication: String
    /// MSH-6, first component (namespace id).
    public var receivingFacility: String
    /// MSH-11 (`P`, `T`, `D`).
    public var processingID: String
    /// MSH-12 (`2.5`).
    public var version: String
    /// MSA-1 for acknowledgements (`AA`, `AE`, `AR`, `CA`, `CE`, `CR`).
    public var ackCode: String?
    /// MSA-2: the control id being acknowledged.
    public var acknowledgedControlID: String?
    /// For an acknowledgement: time since the acknowledged message was seen in the other direction.
    public var ackLatencyNanoseconds: Int64?
    /// Size of the whole message, without the MLLP blocks.
    public var messageBytes: Int
    /// Segments in the whole message.
    public var segmentCount: Int

    /// A record from its fields.
    public init(
        time: PacketTime, direction: StreamDirection, messageType: String, controlID: String,
        sendingApplication: String, sendingFacility: String, receivingApplication: String,
        receivingFacility: String, processingID: String, version: String, ackCode: String? = nil,
        acknowledgedControlID: String? = nil, ackLatencyNanoseconds: Int64? = nil, messageBytes: Int,
        segmentCount: Int
    ) {
        self.time = time
        self.direction = direction
        self.messageType = messageType
        self.controlID = controlID
        self.sendingApplication = sendingApplication
        self.sendingFacility = sendingFacility
        self.receivingApplication = receivingApplication
        self.receivingFacility = receivingFacility
        self.processingID = processingID
        self.version = version
        self.ackCode = ackCode
        self.acknowledgedControlID = acknowledgedControlID
        self.ackLatencyNanoseconds = ackLatencyNanoseconds
        self.messageBytes = messageBytes
        self.segmentCount = segmentCount
    }

    /// Writes the fields of the `hl7` object (the caller wraps them with `beginObject("hl7")`/`endObject()`).
    /// `ack_code` and `ack_latency_ms` appear only for acknowledgements (the latency only when matched).
    public func encode(into writer: inout JSONWriter) {
        writer.key("message_type")
        writer.value(messageType)
        writer.key("control_id")
        writer.value(controlID)
        writer.key("sending_application")
        writer.value(sendingApplication)
        writer.key("sending_facility")
        writer.value(sendingFacility)
        writer.key("receiving_application")
        writer.value(receivingApplication)
        writer.key("receiving_facility")
        writer.value(receivingFacility)
        writer.key("processing_id")
        writer.value(processingID)
        writer.key("version")
        writer.value(version)
        if let ackCode {
            writer.key("ack_code")
            writer.value(ackCode)
        }
        if let ackLatencyNanoseconds {
            writer.key("ack_latency_ms")
            writer.value(fixedPoint: ackLatencyNanoseconds / 1000, decimals: 3)
        }
        writer.key("message_bytes")
        writer.value(messageBytes)
        writer.key("segment_count")
        writer.value(segmentCount)
    }
}
