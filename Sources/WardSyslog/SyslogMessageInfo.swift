public import WardCore

/// The RFC 5424 header fields of one event, chosen by the output thread.
public struct SyslogMessageInfo: Sendable {
    /// RFC 5424 severity, 0 (emergency) to 7 (debug). Values above 7 are clamped to 7.
    public var severity: UInt8
    /// RFC 5424 facility, 0 to 23. The default is 16 (local0), the facility collectors conventionally route to
    /// security tools; values above 23 are clamped to 23.
    public var facility: UInt8
    /// Packet time of the event: the header TIMESTAMP, RFC 3339 UTC with microseconds.
    public var timestamp: PacketTime
    /// MSGID: the dataset (`wardwatch.flow`) or rule name. Only printable ASCII (33–126) is kept and it is cut to
    /// 32 characters (RFC 5424 §6.2.7); empty becomes the NILVALUE `-`.
    public var msgid: String

    /// Header fields for one event; `facility` defaults to local0.
    public init(severity: UInt8, facility: UInt8 = SyslogMessageInfo.defaultFacility, timestamp: PacketTime, msgid: String) {
        self.severity = severity
        self.facility = facility
        self.timestamp = timestamp
        self.msgid = msgid
    }

    /// local0.
    public static let defaultFacility: UInt8 = 16
}
