import WardCore

/// Builds RFC 5424 messages and RFC 6587 octet-counted frames. Pure functions; used on the output thread.
public struct SyslogFormatter: Sendable {
    /// HOSTNAME, APP-NAME and PROCID, already sanitized (printable ASCII, cut to the RFC 5424 lengths, `-` if empty).
    public let hostname: String
    public let appName: String
    public let procid: String
    /// Whether MSG starts with `@cee: `.
    public let ceeCookie: Bool

    /// A formatter with the header fields of `options` (empty hostname/procid resolved by the caller).
    public init(hostname: String, appName: String, procid: String, ceeCookie: Bool) {
        self.hostname = Self.headerField(hostname, maximumLength: 255)
        self.appName = Self.headerField(appName, maximumLength: 48)
        self.procid = Self.headerField(procid, maximumLength: 128)
        self.ceeCookie = ceeCookie
    }

    /// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - [@cee: ]JSON` (RFC 5424 §6), no trailing newline, no BOM.
    public func message(json: [UInt8], info: SyslogMessageInfo) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(json.count + 96)
        let priority = Int(min(info.facility, 23)) * 8 + Int(min(info.severity, 7))
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: Array(String(priority).utf8))
        bytes.append(contentsOf: Array(">1 ".utf8))
        Self.appendTimestamp(info.timestamp, to: &bytes)
        for field in [hostname, appName, procid, Self.headerField(info.msgid, maximumLength: 32)] {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: Array(field.utf8))
        }
        bytes.append(contentsOf: Array(" - ".utf8))
        if ceeCookie { bytes.append(contentsOf: Array("@cee: ".utf8)) }
        bytes.append(contentsOf: json)
        return bytes
    }

    /// RFC 6587 §3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`.
    public static func octetCounted(_ message: [UInt8]) -> [UInt8] {
        var frame = Array(String(message.count).utf8)
        frame.append(UInt8(ascii: " "))
        frame.append(contentsOf: message)
        return frame
    }

    /// Keeps printable US-ASCII (33–126), cut to `maximumLength`; empty becomes the NILVALUE `-`.
    public static func headerField(_ text: String, maximumLength: Int) -> String {
        let kept = text.utf8.filter { $0 >= 33 && $0 <= 126 }.prefix(maximumLength)
        return kept.isEmpty ? "-" : String(decoding: kept, as: UTF8.self)
    }

    /// RFC 3339 UTC with microseconds (`2026-11-26T03:12:32.123456Z`), the RFC 5424 TIMESTAMP profile.
    public static func appendTimestamp(_ time: PacketTime, to bytes: inout [UInt8]) {
        time.appendRFC3339(to: &bytes)
    }
}
