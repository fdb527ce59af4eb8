import WardAnomaly
import WardCore
import WardDICOM
import WardFlows
import WardGeoIP
import WardHL7
import WardPacket
import WardSMB2

/// Renders events as ECS-aligned JSON lines into a reused `JSONWriter` (no allocation per event once warm).
public struct EventFormatter: ~Copyable {
    private let observer: ObserverInfo
    /// The `observer` object as JSON, the same in every event.
    private let observerJSON: [UInt8]
    /// The writer holding the last rendered line.
    public var writer = JSONWriter(capacity: 8192)
    /// The members after `@timestamp` of an HL7 and of an SMB record, `event` and `observer`: the same in every
    /// one, so rendered once and written in one step.
    private let hl7EventMembers: [UInt8]
    private let smbEventMembers: [UInt8]
    /// `"wardwatch":{"schema_version":…,"flow":{"uid":`, the start of the last member of every record of a flow.
    private let flowUIDKey: [UInt8]
    /// The constant runs of a flow record, each up to the key whose value comes next (`JSONWriter.key(rendered:)`):
    /// `"event":{…,"start":`, `"observer":{…},"source":{"ip":`, `"destination":{"ip":` and
    /// `"network":{"transport":`. Written in one step each instead of some thirty keys and literals.
    private let flowEventKey: [UInt8]
    private let flowObserverAndSourceKey: [UInt8]
    private let flowDestinationKey: [UInt8]
    private let flowNetworkKey: [UInt8]
    private var communityIDs = CommunityIDCache()
    private var recentEndpoints = ProtocolEndpointsCache()
    private var recentSOPClassNames = SOPClassNamesCache()
    /// Whether the record being rendered goes after the lines already in `writer` (``append(_:)``).
    private var keepsEarlierLines = false

    /// A formatter stamping every event with `observer`.
    public init(observer: ObserverInfo) {
        self.observer = observer
        var rendered = JSONWriter(capacity: 256)
        Self.write(observer, into: &rendered)
        let observerJSON = rendered.withBytes { Array($0) }
        self.observerJSON = observerJSON
        hl7EventMembers = Self.eventMembers(dataset: "wardwatch.hl7", observerJSON: observerJSON)
        smbEventMembers = Self.eventMembers(dataset: "wardwatch.smb", observerJSON: observerJSON)
        flowUIDKey = Self.renderedKey { writer in
            writer.beginObject("wardwatch")
            writer.key("schema_version")
            writer.value(eventSchemaVersion)
            writer.beginObject("flow")
            writer.key("uid")
        }
        flowEventKey = Self.renderedKey { writer in
            Self.beginNetworkEventMember(into: &writer)
            writer.key("type")
            writer.beginArray()
            writer.value("connection")
            writer.value("end")
            writer.endArray()
            writer.key("dataset")
            writer.value("wardwatch.flow")
            writer.key("start")
        }
        flowObserverAndSourceKey = Self.renderedKey { writer in
            writer.key("observer")
            observerJSON.withUnsafeBytes { writer.value(json: $0) }
            writer.beginObject("source")
            writer.key("ip")
        }
        flowDestinationKey = Self.renderedKey { writer in
            writer.beginObject("destination")
            writer.key("ip")
        }
        flowNetworkKey = Self.renderedKey { writer in
            writer.beginObject("network")
            writer.key("transport")
        }
    }

    /// The JSON text `body` writes as the first members of an object (without the object's `{`), ending with a key
    /// and its colon: for ``JSONWriter/key(rendered:)``.
    private static func renderedKey(_ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var rendered = JSONWriter(capacity: 512)
        rendered.beginObject()
        body(&rendered)
        return rendered.withBytes { Array($0.dropFirst()) }
    }

    /// The `event` (without start and end) and `observer` members of a protocol record of `dataset`.
    private static func eventMembers(dataset: StaticString, observerJSON: [UInt8]) -> [UInt8] {
        var rendered = JSONWriter(capacity: 512)
        rendered.beginObject()
        writeEventMember(dataset: dataset, start: nil, end: nil, into: &rendered)
        rendered.key("observer")
        observerJSON.withUnsafeBytes { rendered.value(json: $0) }
        return rendered.withBytes { Array($0.dropFirst()) }  // the members, without the object's `{`
    }

    /// Opens the `event` object of a flow or protocol record and writes its `kind` and `category` members.
    private static func beginNetworkEventMember(into writer: inout JSONWriter) {
        writer.beginObject("event")
        writer.key("kind")
        writer.value("event")
        writer.key("category")
        writer.beginArray()
        writer.value("network")
        writer.endArray()
    }

    /// Empties the writer (unless the record is appended to the lines there) and opens a record with its
    /// `@timestamp`, as every record starts.
    private mutating func startRecord(at time: PacketTime) {
        if !keepsEarlierLines { writer.reset() }
        writer.beginObject()
        writer.key("@timestamp")
        writer.value(time)
    }

    /// Writes the `event` object of a protocol record of `dataset`, with its start and end when it spans time.
    private static func writeEventMember(
        dataset: StaticString, start: PacketTime?, end: PacketTime?, into writer: inout JSONWriter
    ) {
        beginNetworkEventMember(into: &writer)
        writer.key("dataset")
        writer.value(dataset)
        if let start, let end {
            writer.key("start")
            writer.value(start)
            writer.key("end")
            writer.value(end)
        }
        writer.endObject()
    }

    /// Renders a `wardwatch.flow` record (one JSON line, newline included).
    public mutating func render(flow event: FlowEvent) {
        let flow = event.record
        let uid = flow.uid
        startRecord(at: flow.firstSeen)
        flowEventKey.withUnsafeBytes { writer.key(rendered: $0) }
        writer.value(flow.firstSeen)
        writer.key("end")
        writer.value(flow.lastSeen)
        writer.key("duration")
        writer.value(flow.lastSeen.nanoseconds(since: flow.firstSeen))
        writer.endObject()
        let hasPorts = flow.transport == .tcp || flow.transport == .udp
        flowObserverAndSourceKey.withUnsafeBytes { writer.key(rendered: $0) }
        writeEndpoint(
            address: flow.originatorAddress, port: hasPorts ? flow.originatorPort : nil, mac: flow.originatorMAC,
            counters: flow.originator)
        flowDestinationKey.withUnsafeBytes { writer.key(rendered: $0) }
        writeEndpoint(
            address: flow.responderAddress, port: hasPorts ? flow.responderPort : nil, mac: flow.responderMAC,
            counters: flow.responder)
        flowNetworkKey.withUnsafeBytes { writer.key(rendered: $0) }
        writeTransportName(flow.transport, ipProtocol: flow.key.ipProtocol)
        writer.key("iana_number")
        writeNumberString(UInt64(flow.key.ipProtocol))
        writer.key("type")
        writer.value(flow.key.lowAddress.isIPv4 ? "ipv4" : "ipv6")
        writer.key("community_id")
        writer.value(utf8: communityIDs.text(of: flow, uid: uid).span.bytes)
        writer.key("packets")
        writer.value(flow.originator.packets &+ flow.responder.packets)
        writer.key("bytes")
        writer.value(flow.originator.bytes &+ flow.responder.bytes)
        if let outer = flow.key.vlan.outer {
            writer.beginObject("vlan")
            writer.key("id")
            writeNumberString(UInt64(outer))
            writer.endObject()
            if flow.key.vlan.count > 1 {
                // ECS `network.inner.vlan` holds the second tag; a third (rare) goes in our own array.
                writer.beginObject("inner")
                writer.beginObject("vlan")
                writer.key("id")
                writeNumberString(UInt64(flow.key.vlan[1] ?? 0))
                writer.endObject()
                writer.endObject()
            }
        }
        writer.endObject()
        flowUIDKey.withUnsafeBytes { writer.key(rendered: $0) }
        writer.value(flowUID: uid)
        writer.key("state")
        writer.value(flow.connectionState.name)
        if flow.transport == .tcp {
            writer.key("history")
            writeHistory(flow.history)
        }
        if flow.transport == .icmp || flow.transport == .icmpv6 {
            writer.key("icmp_type")
            writer.value(Int(flow.icmpType))
            writer.key("icmp_code")
            writer.value(Int(flow.icmpCode))
        }
        writer.key("end_reason")
        writer.value(event.reason.name)
        if flow.key.vlan.count > 2 {
            writer.key("vlan_ids")
            writer.beginArray()
            for index in 0..<flow.key.vlan.count { writeNumberString(UInt64(flow.key.vlan[index] ?? 0)) }
            writer.endArray()
        }
        writer.key("source_ip_bytes")
        writer.value(flow.originator.ipBytes)
        writer.key("destination_ip_bytes")
        writer.value(flow.responder.ipBytes)
        writer.key("source_payload_bytes")
        writer.value(flow.originator.payloadBytes)
        writer.key("destination_payload_bytes")
        writer.value(flow.responder.payloadBytes)
        writer.endObject()
        writer.endObject()
        writer.endObject()
        writer.appendNewline()
    }

    /// Renders `event` as a line after the lines already in `writer`, so that many lines are written out in one
    /// step from where they were rendered (the caller empties the writer once it has taken them).
    public mutating func append(_ event: OutputEvent) {
        keepsEarlierLines = true
        render(event)
        keepsEarlierLines = false
    }

    /// Renders any event from the capture thread (one JSON line, newline included).
    public mutating func render(_ event: OutputEvent) {
        switch event {
        case .flow(let flow):
            render(flow: flow)
        case .dicom(let record, let flow):
            let uid = beginProtocolEvent(
                "wardwatch.dicom", protocolName: "dicom", time: record.start, end: record.end, flow: flow,
                senderIsResponder: false)
            writer.beginObject("dicom")
            record.encode(into: &writer)
            writeSOPClassNames(record.abstractSyntaxes, record.affectedSOPClasses)
            writer.endObject()
            endProtocolEvent(uid: uid)
        case .hl7(let record, let flow):
            let uid = beginProtocolEvent(
                hl7EventMembers, protocolName: "hl7", time: record.time, flow: flow,
                senderIsResponder: record.direction == .responder)
            writer.beginObject("hl7")
            record.encode(into: &writer)
            writer.endObject()
            endProtocolEvent(uid: uid)
        case .smb(let record, let flow):
            let uid = beginProtocolEvent(
                smbEventMembers, protocolName: "smb", time: record.time, flow: flow, senderIsResponder: false)
            writer.beginObject("smb")
            record.encode(into: &writer)
            writer.endObject()
            endProtocolEvent(uid: uid)
        case .alert(let alert):
            render(alert: alert)
        }
    }

    /// Renders a `wardwatch.alert` record: rule, severity, risk, the one-sentence message, ATT&CK technique,
    /// endpoints with their zones, and the evidence.
    public mutating func render(alert: Alert) {
        startRecord(at: alert.lastTime)
        writer.beginObject("event")
        writer.key("kind")
        writer.value("alert")
        writer.key("category")
        writer.beginArray()
        writer.value("intrusion_detection")
        writer.endArray()
        writer.key("dataset")
        writer.value("wardwatch.alert")
        writer.key("start")
        writer.value(alert.firstTime)
        writer.key("end")
        writer.value(alert.lastTime)
        alert.encodeEventMembers(into: &writer)
        writer.endObject()
        writeObserver()
        writer.beginObject("rule")
        writer.key("name")
        writer.value(alert.rule)
        writer.key("id")
        writer.value(alert.ruleID)
        writer.endObject()
        writer.key("message")
        writer.value(alert.message)
        writer.beginObject("threat")
        writer.key("framework")
        writer.value("MITRE ATT&CK")
        writer.beginObject("technique")
        writer.key("id")
        writer.value(alert.technique)
        writer.endObject()
        writer.endObject()
        if alert.source != nil || alert.sourceMAC != nil {
            writer.beginObject("source")
            if let source = alert.source {
                writer.key("ip")
                writer.value(source)
                writeGeo(source)
            }
            if let mac = alert.sourceMAC {
                writer.key("mac")
                writer.value(mac)
            }
            writer.endObject()
        }
        if let destination = alert.destination {
            writer.beginObject("destination")
            writer.key("ip")
            writer.value(destination)
            writeGeo(destination)
            writer.endObject()
        }
        writer.beginObject("wardwatch")
        writer.key("schema_version")
        writer.value(eventSchemaVersion)
        alert.encodeAlertObject(into: &writer)
        writer.endObject()
        writer.endObject()
        writer.appendNewline()
    }

    /// Writes the common head of a protocol record (time, event, observer, endpoints and network); returns the
    /// flow's uid.
    /// - Parameter senderIsResponder: whether the record describes something the responder sent (an HL7 ACK), so
    ///   that `source` is the sender.
    private mutating func beginProtocolEvent(
        _ dataset: StaticString, protocolName: StaticString, time: PacketTime, end: PacketTime?, flow: FlowIdentity,
        senderIsResponder: Bool
    ) -> UInt64 {
        startRecord(at: time)
        Self.writeEventMember(dataset: dataset, start: time, end: end, into: &writer)
        writeObserver()
        return writeProtocolMembers(protocolName: protocolName, flow: flow, senderIsResponder: senderIsResponder)
    }

    /// `beginProtocolEvent` for a record without an end, whose `event` and `observer` members are `eventMembers`.
    private mutating func beginProtocolEvent(
        _ eventMembers: [UInt8], protocolName: StaticString, time: PacketTime, flow: FlowIdentity,
        senderIsResponder: Bool
    ) -> UInt64 {
        startRecord(at: time)
        eventMembers.withUnsafeBytes { writer.value(json: $0) }
        return writeProtocolMembers(protocolName: protocolName, flow: flow, senderIsResponder: senderIsResponder)
    }

    /// Writes the `source`, `destination` and `network` members of a protocol record; returns the flow's uid.
    private mutating func writeProtocolMembers(protocolName: StaticString, flow: FlowIdentity, senderIsResponder: Bool)
        -> UInt64
    {
        let endpoints = ProtocolEndpointsCache.Key(
            flow: flow, senderIsResponder: senderIsResponder, protocolName: protocolName)
        let uid = flow.uid
        if let endpoints, recentEndpoints.write(endpoints, uid: uid, into: &writer) { return uid }
        let start = writer.count
        let originator = (flow.originatorAddress, flow.originatorPort, flow.originatorMAC)
        let responder = (flow.responderAddress, flow.responderPort, flow.responderMAC)
        let (source, destination) = senderIsResponder ? (responder, originator) : (originator, responder)
        writeProtocolEndpoint("source", source)
        writeProtocolEndpoint("destination", destination)
        writer.beginObject("network")
        writer.key("transport")
        writer.value("tcp")
        writer.key("protocol")
        writer.value(protocolName)
        writer.key("type")
        writer.value(flow.key.lowAddress.isIPv4 ? "ipv4" : "ipv6")
        writer.key("community_id")
        writer.value(utf8: communityIDs.text(of: flow, uid: uid).span.bytes)
        if let outer = flow.key.vlan.outer {
            writer.beginObject("vlan")
            writer.key("id")
            writeNumberString(UInt64(outer))
            writer.endObject()
        }
        writer.endObject()
        if let endpoints { recentEndpoints.store(endpoints, uid: uid, renderedFrom: start, in: writer) }
        return uid
    }

    private mutating func writeProtocolEndpoint(_ name: StaticString, _ endpoint: (IPAddress, UInt16, MACAddress)) {
        writer.beginObject(name)
        writer.key("ip")
        writer.value(endpoint.0)
        writer.key("port")
        writer.value(Int(endpoint.1))
        if endpoint.2 != .zero {
            writer.key("mac")
            writer.value(endpoint.2)
        }
        writer.endObject()
    }

    private mutating func endProtocolEvent(uid: UInt64) {
        flowUIDKey.withUnsafeBytes { writer.key(rendered: $0) }
        writer.value(flowUID: uid)
        writer.endObject()
        writer.endObject()
        writer.endObject()
        writer.appendNewline()
    }

    /// Renders a `wardwatch.host` state record: one IP address and what was learned about it.
    public mutating func render(host: HostRecord) {
        startRecord(at: host.lastSeen)
        writer.beginObject("event")
        writer.key("kind")
        writer.value("state")
        writer.key("dataset")
        writer.value("wardwatch.host")
        writer.key("start")
        writer.value(host.firstSeen)
        writer.key("end")
        writer.value(host.lastSeen)
        writer.endObject()
        writeObserver()
        writer.beginObject("host")
        writer.key("ip")
        writer.beginArray()
        writer.value(host.address)
        writer.endArray()
        if host.mac != .zero {
            writer.key("mac")
            writer.beginArray()
            writer.value(host.mac)
            writer.endArray()
        }
        writer.endObject()
        if let outer = host.vlan.outer {
            writer.beginObject("network")
            writer.beginObject("vlan")
            writer.key("id")
            writeNumberString(UInt64(outer))
            writer.endObject()
            writer.endObject()
        }
        writer.beginObject("wardwatch")
        writer.key("schema_version")
        writer.value(eventSchemaVersion)
        writer.beginObject("host")
        writer.key("packets_sent")
        writer.value(host.sent.packets)
        writer.key("bytes_sent")
        writer.value(host.sent.bytes)
        writer.key("packets_received")
        writer.value(host.received.packets)
        writer.key("bytes_received")
        writer.value(host.received.bytes)
        writer.key("flows_originated")
        writer.value(host.flowsOriginated)
        writer.key("flows_responded")
        writer.value(host.flowsResponded)
        writer.key("distinct_peers")
        writer.value(UInt64(host.distinctPeers))
        writer.key("mac_changes")
        writer.value(UInt64(host.macChanges))
        writer.key("services_offered")
        writeServices(host.servicesOffered)
        writer.key("services_used")
        writeServices(host.servicesUsed)
        writer.endObject()
        writer.endObject()
        writer.endObject()
        writer.appendNewline()
    }

    /// Renders the `wardwatch.stats` metric record for a run.
    public mutating func render(statistics: SensorStatistics, at time: PacketTime) {
        startRecord(at: time)
        writer.beginObject("event")
        writer.key("kind")
        writer.value("metric")
        writer.key("dataset")
        writer.value("wardwatch.stats")
        writer.endObject()
        writeObserver()
        writer.beginObject("wardwatch")
        writer.key("schema_version")
        writer.value(eventSchemaVersion)
        writer.beginObject("stats")
        writer.key("packets")
        writer.value(statistics.packets)
        writer.key("bytes")
        writer.value(statistics.bytes)
        writer.key("ipv4_packets")
        writer.value(statistics.ipv4Packets)
        writer.key("ipv6_packets")
        writer.value(statistics.ipv6Packets)
        writer.key("arp_packets")
        writer.value(statistics.arpPackets)
        writer.key("other_packets")
        writer.value(statistics.otherPackets)
        writer.key("ip_fragments")
        writer.value(statistics.fragments)
        writer.key("flows_created")
        writer.value(statistics.flowsCreated)
        writer.key("flows_evicted")
        writer.value(statistics.flowsEvicted)
        writer.key("dns_queries")
        writer.value(statistics.dnsQueries)
        writer.key("tls_server_names")
        writer.value(statistics.tlsServerNames)
        writer.key("alerts")
        writer.value(statistics.alerts)
        writer.key("events_dropped")
        writer.value(statistics.eventsDropped)
        writer.key("dicom_sessions")
        writer.value(statistics.dicomSessions)
        writer.key("hl7_sessions")
        writer.value(statistics.hl7Sessions)
        writer.key("smb_sessions")
        writer.value(statistics.smbSessions)
        writer.key("sessions_refused")
        writer.value(statistics.sessionsRefused)
        writer.key("sessions_evicted")
        writer.value(statistics.sessionsEvicted)
        writer.key("reassembly_gap_bytes")
        writer.value(statistics.reassemblyGapBytes)
        writer.key("reassembly_overflows")
        writer.value(statistics.reassemblyOverflows)
        writer.key("sessions_abandoned")
        writer.value(statistics.sessionsAbandoned)
        writer.key("reloads")
        writer.value(statistics.reloads)
        writer.key("hosts")
        writer.value(statistics.hosts)
        writer.key("hosts_evicted")
        writer.value(statistics.hostsEvicted)
        writer.key("peer_pairs_dropped")
        writer.value(statistics.peerPairsDropped)
        writer.key("macs_dropped")
        writer.value(statistics.macsDropped)
        writer.key("detector_evictions")
        writer.value(statistics.detectorEvictions)
        writer.key("alerts_dropped")
        writer.value(statistics.alertsDropped)
        writer.key("macs")
        writer.value(statistics.macs)
        if let drops = statistics.kernelDrops {
            writer.key("kernel_drops")
            writer.value(drops)
        }
        if let drops = statistics.interfaceDrops {
            writer.key("interface_drops")
            writer.value(drops)
        }
        writer.beginObject("anomalies")
        for anomaly in statistics.anomalies + statistics.protocolAnomalies {
            writer.keyDynamic(anomaly.name)
            writer.value(anomaly.count)
        }
        writer.endObject()
        writer.endObject()
        writer.endObject()
        writer.endObject()
        writer.appendNewline()
    }

    // MARK: - Pieces

    /// Writes the `observer` object, rendered once when the formatter was made (every event carries it).
    private mutating func writeObserver() {
        writer.key("observer")
        observerJSON.withUnsafeBytes { writer.value(json: $0) }
    }

    private static func write(_ observer: ObserverInfo, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("name")
        writer.value(observer.name)
        writer.key("type")
        writer.value("sensor")
        writer.key("vendor")
        writer.value("WardWatch")
        writer.key("product")
        writer.value("wardwatch")
        writer.key("version")
        writer.value(observer.version)
        if let interface = observer.interface {
            writer.beginObject("ingress")
            writer.beginObject("interface")
            writer.key("name")
            writer.value(interface)
            writer.endObject()
            writer.endObject()
        }
        writer.endObject()
    }

    /// Writes an endpoint object of a flow record from its address on: its opening, up to `"ip":`, is written already.
    private mutating func writeEndpoint(
        address: IPAddress, port: UInt16?, mac: MACAddress, counters: FlowEndpointCounters
    ) {
        writer.value(address)
        if let port {
            writer.key("port")
            writer.value(Int(port))
        }
        if mac != .zero {
            writer.key("mac")
            writer.value(mac)
        }
        writeGeo(address)
        writer.key("packets")
        writer.value(counters.packets)
        writer.key("bytes")
        writer.value(counters.bytes)
        writer.endObject()
    }

    /// `sop_class_names`: the names of `uids` (in order, distinct) that the SOP class table knows.
    private mutating func writeSOPClassNames(_ abstractSyntaxes: DICOMUIDList, _ affected: [String]) {
        writer.key("sop_class_names")
        let cached = recentSOPClassNames.rendered(abstractSyntaxes: abstractSyntaxes, affectedSOPClasses: affected)
        if let cached {
            cached.withUnsafeBytes { writer.value(json: $0) }
            return
        }
        let start = writer.count
        writer.beginArray()
        // The table taken out once: read through `observer` inside the closures, the whole observer was copied
        // (its arrays and GeoIP state retained and released) five times per UID.
        let names = observer.sopClassNames
        var written: [Int] = []
        for position in abstractSyntaxes.indices {
            writeSOPClassName(names.nameIndex(ofUIDAt: position, in: abstractSyntaxes), from: names, unless: &written)
        }
        for var uid in affected {
            let nameIndex = uid.withUTF8 { names.nameIndex(of: UnsafeRawBufferPointer($0)) }
            writeSOPClassName(nameIndex, from: names, unless: &written)
        }
        writer.endArray()
        let rendered = writer.withBytes { Array($0[start...]) }
        recentSOPClassNames.store(rendered, abstractSyntaxes: abstractSyntaxes, affectedSOPClasses: affected)
    }

    /// Writes the name at `nameIndex` of `names` unless it is `nil` or among `written` already.
    private mutating func writeSOPClassName(
        _ nameIndex: Int?, from names: DICOMSOPClassNames, unless written: inout [Int]
    ) {
        guard let nameIndex, !written.contains(nameIndex) else { return }
        written.append(nameIndex)
        writer.value(names.name(at: nameIndex))
    }

    /// Country and ASN of a public address (ECS `geo.*`, `as.*`) when GeoIP databases are configured.
    private mutating func writeGeo(_ address: IPAddress) {
        guard let geoIP = observer.geoIP, let result = geoIP.enrich(address) else { return }
        geoIP.encode(result, into: &writer)
    }

    private mutating func writeTransportName(_ transport: TransportLayer, ipProtocol: UInt8) {
        switch transport {
        case .tcp: writer.value("tcp")
        case .udp: writer.value("udp")
        case .icmp: writer.value("icmp")
        case .icmpv6: writer.value("ipv6-icmp")
        case .none, .other:
            switch ipProtocol {
            case 6: writer.value("tcp")
            case 17: writer.value("udp")
            case 47: writer.value("gre")
            case 50: writer.value("esp")
            case 132: writer.value("sctp")
            default: writeNumberString(UInt64(ipProtocol))
            }
        }
    }

    private mutating func writeNumberString(_ number: UInt64) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var count = 0
        var rest = number
        repeat {
            digits[count] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            count += 1
        } while rest > 0
        var text = InlineArray<20, UInt8>(repeating: 0)
        for index in 0..<count { text[index] = digits[count - 1 - index] }
        text.span.bytes.withUnsafeBytes { writer.value(utf8: $0.bytes.extracting(0..<count)) }
    }

    private mutating func writeHistory(_ history: ConnectionHistory) {
        let letters = history.letters
        letters.span.bytes.withUnsafeBytes { writer.value(utf8: $0.bytes.extracting(0..<Int(history.length))) }
    }

    private mutating func writeServices(_ services: ServiceSet) {
        writer.beginArray()
        // Ordered by protocol and port: the same list however the flows were spread over workers.
        for service in services.services.sorted(by: { ($0.ipProtocol, $0.port) < ($1.ipProtocol, $1.port) }) {
            writer.beginObject()
            writer.key("transport")
            writeTransportName(.none, ipProtocol: service.ipProtocol)
            writer.key("port")
            writer.value(Int(service.port))
            writer.endObject()
        }
        writer.endArray()
    }
}
