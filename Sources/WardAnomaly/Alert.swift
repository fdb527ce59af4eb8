import WardCore

/// One detection: what fired, how bad it is, one readable sentence with the numbers, and the evidence.
///
/// Rendering: `encode(into:)` writes the alert's own top-level members (`rule`, `event`, `message`, `threat`,
/// `wardwatch`) into an object the caller has opened; the caller adds `@timestamp`, `observer`, `source`,
/// `destination` and enrichment. A caller that writes its own `event` or `wardwatch` object uses the pieces instead:
/// `encodeEventMembers(into:)` inside its `event` object and `encodeAlertObject(into:)` inside its `wardwatch` object.
public struct Alert: Sendable {
    /// The rule's stable name: `unknown_mac`, `arp_spoof`, `lateral_movement`, `smb_ransomware`,
    /// `internet_separation`, `dicom_unknown_ae`, `dicom_bulk_export`, `hl7_unknown_sender`, `remote_access_tool`,
    /// `smb1_in_use`.
    public var rule: String
    /// The stable identifier of the rule variant (`WW-1301`), see `RuleID`.
    public var ruleID: String
    /// 1 (informational) to 10 (act now), ECS `event.severity`.
    public var severity: Int
    /// 0–100, ECS `event.risk_score`.
    public var riskScore: Int
    /// One sentence a nurse-turned-IT-admin understands, with the numbers that made the rule fire.
    public var message: String
    /// The MITRE ATT&CK technique id (`T1021.002`).
    public var technique: String
    /// The acting host, when there is one.
    public var source: IPAddress?
    /// The host acted on, when there is one.
    public var destination: IPAddress?
    /// The acting host's MAC address, when known.
    public var sourceMAC: MACAddress?
    /// The zone of `source`, when the site configuration places it.
    public var sourceZone: String?
    /// The zone of `destination`, when the site configuration places it.
    public var destinationZone: String?
    /// Flows that are evidence (at most `Alert.maximumFlowUIDs`, the earliest first).
    public var flowUIDs: [UInt64]
    /// Packet time of the first evidence.
    public var firstTime: PacketTime
    /// Packet time of the last evidence (the time the alert fired).
    public var lastTime: PacketTime
    /// The measured value that crossed the threshold (count, score, z-score: named in the message).
    public var statistic: Double
    /// The threshold it crossed.
    public var threshold: Double
    /// Alerts of the same rule and key suppressed since the previous one was emitted.
    public var suppressedRepeats: Int

    /// The most flow UIDs an alert carries as evidence.
    public static let maximumFlowUIDs = 32

    /// An alert from all its fields.
    public init(
        rule: String, ruleID: String, severity: Int, riskScore: Int, message: String, technique: String,
        source: IPAddress? = nil, destination: IPAddress? = nil, sourceMAC: MACAddress? = nil,
        sourceZone: String? = nil, destinationZone: String? = nil, flowUIDs: [UInt64] = [],
        firstTime: PacketTime, lastTime: PacketTime, statistic: Double, threshold: Double, suppressedRepeats: Int = 0
    ) {
        self.rule = rule
        self.ruleID = ruleID
        self.severity = min(10, max(1, severity))
        self.riskScore = min(100, max(0, riskScore))
        self.message = message
        self.technique = technique
        self.source = source
        self.destination = destination
        self.sourceMAC = sourceMAC
        self.sourceZone = sourceZone
        self.destinationZone = destinationZone
        self.flowUIDs = Array(flowUIDs.prefix(Self.maximumFlowUIDs))
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.statistic = statistic
        self.threshold = threshold
        self.suppressedRepeats = suppressedRepeats
    }

    /// Writes `rule`, `event` (kind `alert`, dataset `wardwatch.alert`, severity, risk score), `message`,
    /// `threat.technique.id` and `wardwatch.alert` as members of the object the caller has opened.
    public func encode(into writer: inout JSONWriter) {
        writer.beginObject("rule")
        writer.key("name")
        writer.value(rule)
        writer.key("id")
        writer.value(ruleID)
        writer.endObject()
        writer.beginObject("event")
        writer.key("kind")
        writer.value("alert" as StaticString)
        writer.key("dataset")
        writer.value("wardwatch.alert" as StaticString)
        encodeEventMembers(into: &writer)
        writer.endObject()
        writer.key("message")
        writer.value(message)
        writer.beginObject("threat")
        writer.beginObject("technique")
        writer.key("id")
        writer.value(technique)
        writer.endObject()
        writer.endObject()
        writer.beginObject("wardwatch")
        encodeAlertObject(into: &writer)
        writer.endObject()
    }

    /// Writes `severity` and `risk_score` into the caller's open `event` object.
    public func encodeEventMembers(into writer: inout JSONWriter) {
        writer.key("severity")
        writer.value(severity)
        writer.key("risk_score")
        writer.value(riskScore)
    }

    /// Writes `"alert":{flow_uids, first, last, statistic, threshold, suppressed_repeats}` (plus `source_zone` and
    /// `destination_zone` when known) into the caller's open `wardwatch` object. Flow UIDs render as flow records do:
    /// `C` and eleven base-62 digits.
    public func encodeAlertObject(into writer: inout JSONWriter) {
        writer.beginObject("alert")
        writer.key("flow_uids")
        writer.beginArray()
        for uid in flowUIDs { writer.value(flowUID: uid) }
        writer.endArray()
        writer.key("first")
        writer.value(firstTime)
        writer.key("last")
        writer.value(lastTime)
        writer.key("statistic")
        writer.value(statistic, decimals: 3)
        writer.key("threshold")
        writer.value(threshold, decimals: 3)
        writer.key("suppressed_repeats")
        writer.value(suppressedRepeats)
        if let sourceZone {
            writer.key("source_zone")
            writer.value(sourceZone)
        }
        if let destinationZone {
            writer.key("destination_zone")
            writer.value(destinationZone)
        }
        writer.endObject()
    }
}
