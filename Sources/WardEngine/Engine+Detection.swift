import WardAnomaly
import WardCore
import WardDICOM
import WardFlows
import WardHL7
import WardNames
import WardOutput
import WardPacket
import WardSMB2

/// Turning what the engine sees into detector observations, and the detectors' alerts into events.
///
/// Observations are made per ARP packet, per first-seen MAC, per flow start and end, and per protocol record, never
/// per ordinary IP packet.
extension Engine {
    mutating func observeARP(_ packet: DecodedPacket, time: PacketTime) {
        guard makesObservations else { return }
        observe(
            .arp(
                operation: packet.arp.operation, senderMAC: packet.arp.senderMAC,
                senderAddress: packet.arp.senderAddress, targetAddress: packet.arp.targetAddress,
                frameSource: packet.sourceMAC, vlan: packet.vlan, time: time))
    }

    mutating func observeDiscoveredMACs() {
        guard makesObservations else { return flows.hosts.clearDiscoveredMACs() }
        for discovered in flows.hosts.discoveredMACs {
            observe(
                .newMAC(
                    mac: discovered.mac, address: discovered.address, vlan: discovered.vlan, time: discovered.time,
                    fromARP: discovered.fromARP))
        }
        flows.hosts.clearDiscoveredMACs()
    }

    mutating func observeFlowStart(_ slot: Int32) {
        guard makesObservations else { return }
        guard slot >= 0 else { return }
        let flow = flows.flow(at: slot)
        observe(
            .flowStarted(
                originator: flow.originatorAddress, responder: flow.responderAddress, responderPort: flow.responderPort,
                ipProtocol: flow.key.ipProtocol, vlan: flow.key.vlan, time: flow.firstSeen, uid: flow.uid))
    }

    mutating func observeFlowEnd(_ flow: FlowRecord) {
        guard makesObservations else { return }
        let state = flow.connectionState
        observe(
            .flowEnded(
                originator: flow.originatorAddress, responder: flow.responderAddress, responderPort: flow.responderPort,
                ipProtocol: flow.key.ipProtocol, failed: state == .rej || state == .s0 || state == .rstos0,
                bytes: flow.originator.bytes &+ flow.responder.bytes, time: flow.lastSeen, uid: flow.uid))
    }

    /// The question of a flow's first DNS query (once per flow, so a query flood cannot make this allocate per packet).
    mutating func observeDNSQuery(_ payload: RawSpan, from client: IPAddress, flowSlot: Int32, time: PacketTime) {
        guard let question = DNSQuestion.decode(payload), !question.isResponse else { return }
        statistics.dnsQueries &+= 1
        guard makesObservations else { return }
        observe(.dnsQuery(client: client, name: question.text, time: time, uid: flows.flow(at: flowSlot).uid))
    }

    /// The server name of a TLS ClientHello at the start of a connection (once per flow).
    mutating func observeTLSServerName(_ payload: RawSpan, client: IPAddress, flowSlot: Int32, time: PacketTime) {
        guard let name = TLSClientHello.serverName(payload) else { return }
        statistics.tlsServerNames &+= 1
        guard makesObservations else { return }
        observe(.tlsServerName(client: client, name: name, time: time, uid: flows.flow(at: flowSlot).uid))
    }

    // Each report works out what the detectors are told before the record is emitted, so that the record moves
    // into its event instead of being copied (and every string in it retained and released once more).

    /// Emits a DICOM association record and tells the detectors about it.
    mutating func report(_ record: consuming DICOMAssociationRecord, flow: FlowIdentity) {
        guard makesObservations else { return emit(.dicom(consume record, flow: flow)) }
        let observation = Observation.dicomAssociation(
            calling: flow.originatorAddress, called: flow.responderAddress, callingAE: record.callingAE,
            calledAE: record.calledAE, commandCounts: record.commandCounts.map { ($0.name, $0.count) },
            instancesStored: record.instancesStored, moveDestinations: record.moveDestinations,
            bytes: record.bytes, time: record.end, uid: flow.uid)
        emit(.dicom(consume record, flow: flow))
        observe(observation)
    }

    /// Emits an HL7 message record and tells the detectors about it.
    mutating func report(_ record: consuming HL7MessageRecord, flow: FlowIdentity) {
        guard makesObservations else { return emit(.hl7(consume record, flow: flow)) }
        let fromOriginator = record.direction == .originator
        let observation = Observation.hl7Message(
            sender: fromOriginator ? flow.originatorAddress : flow.responderAddress,
            receiver: fromOriginator ? flow.responderAddress : flow.originatorAddress,
            sendingApplication: record.sendingApplication, sendingFacility: record.sendingFacility,
            messageType: record.messageType, time: record.time, uid: flow.uid)
        emit(.hl7(consume record, flow: flow))
        observe(observation)
    }

    /// Emits an SMB record and tells the detectors about it.
    mutating func report(_ record: consuming SMB2Record, flow: FlowIdentity) {
        guard makesObservations else { return emit(.smb(consume record, flow: flow)) }
        let client = flow.originatorAddress
        let server = flow.responderAddress
        let observation: Observation
        switch record {
        case .treeConnect(let tree):
            observation = .smbTree(
                client: client, server: server, share: shareName(tree.tree), time: tree.time, uid: flow.uid)
        case .file(let file):
            observation = .smbFile(
                client: client, server: server, share: shareName(file.tree), name: file.filename,
                bytesWritten: file.bytesWritten, writeEntropy: file.writeEntropy, overwrote: file.overwrote,
                renamedTo: file.renamedTo, deleted: file.deleted, time: file.closed, uid: flow.uid)
        case .session(let session):
            observation = .smbSession(
                // Clients open with an SMB1 multi-protocol NEGOTIATE and move to SMB2: only a session that never
                // reached an SMB2 dialect really spoke SMB1.
                client: client, server: server, dialect: session.dialect?.name,
                smb1: session.smb1Seen && session.dialect == nil,
                encrypted: session.encrypted, transformBytes: session.transformBytes, time: session.time,
                uid: flow.uid)
        }
        emit(.smb(consume record, flow: flow))
        observe(observation)
    }

    /// Tells the detectors about a large encrypted SMB3 message (sizes only; nothing is emitted as an event).
    mutating func report(_ message: SMB2EncryptedMessage, flow: FlowIdentity) {
        guard makesObservations else { return }
        observe(
            .smbEncryptedMessage(
                client: flow.originatorAddress, server: flow.responderAddress, fromClient: message.fromClient,
                size: message.originalSize, time: message.time, uid: flow.uid))
    }

    /// Lets the detectors' windows follow packet time, and emits what they conclude.
    mutating func advanceDetection() {
        guard detectionChannel == nil else { return }  // a worker: the coordinator's clock follows epochs
        detection.advance(to: now)
        emitAlerts()
    }

    /// Whether anything reads observations: this engine's detectors, or (a worker) the detection coordinator's.
    /// With `--no-detectors` none is made (each `observe…` and `report` checks first), so records and flows cost
    /// nothing for detectors that do not run.
    var makesObservations: Bool { detectionChannel != nil || detection.isEnabled }

    mutating func observe(_ observation: Observation) {
        if let channel = detectionChannel {
            // The coordinator drains its rings without waiting on anyone, so this wait always ends.
            let item = DetectionChannelItem.observation(observation, madeAt: now)
            var wait = Backoff()
            while !channel.tryPush(item) { wait.pause() }
            return
        }
        detection.observe(observation)
        emitAlerts()
    }

    /// A worker's mark that it has processed every packet of an epoch (sent by the replay reader at `time`).
    public mutating func endEpoch(at time: PacketTime) {
        guard let channel = detectionChannel else { return }
        var wait = Backoff()
        while !channel.tryPush(.epochEnd(time)) { wait.pause() }
    }

    private mutating func emitAlerts() {
        guard detection.hasAlerts else { return }
        while let alert = detection.popAlert() {
            statistics.alerts &+= 1
            if alertLines.count < 20 { alertLines.append("\(alert.rule) (severity \(alert.severity)): \(alert.message)") }
            if !learningOnly { emit(.alert(consume alert)) }
        }
    }

    /// What the detectors learned and the host table holds now (allocates; for the state DB).
    public func stateSnapshot() -> StateSnapshot {
        StateSnapshot(learned: detection.learnedState(), macs: flows.hosts.allMACs, hosts: flows.hosts.allHosts)
    }

    /// The share name of a UNC tree path, its last non-empty `\` component (`\\server\ADMIN$` → `ADMIN$`), or the
    /// path itself when it has none. Found in the string's own UTF-8 storage: this runs for every SMB file record,
    /// and through `String.UTF8View` indices the walk cost some eight instructions a byte.
    private func shareName(_ tree: String) -> String {
        var tree = tree
        return tree.withUTF8 { bytes in
            var end = bytes.count
            while end > 0 && bytes[end - 1] == UInt8(ascii: "\\") { end -= 1 }
            guard end > 0 else { return String(decoding: bytes, as: UTF8.self) }
            var start = end
            while start > 0 && bytes[start - 1] != UInt8(ascii: "\\") { start -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}
