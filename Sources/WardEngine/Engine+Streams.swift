import WardCore
import WardDICOM
import WardFlows
import WardHL7
import WardNames
import WardOutput
import WardPacket
import WardSMB2

/// Which analyzer a session runs; `pending` holds early segments until the stream's first bytes can be probed.
enum AnalyzerKind: UInt8 {
    case pending, dicom, hl7, smb2
}

/// One analysed TCP connection: its flow, its analyzer, and (in `Engine.reassemblers`, at `2 × index` and
/// `2 × index + 1`) the reassembly state of its two directions.
struct StreamSession {
    var flowSlot: Int32
    var kind: AnalyzerKind
    var analyzerSlot: Int32
}

extension Engine {
    /// The index in `reassemblers` of the stream `direction` sends in `session`.
    @inline(__always)
    static func stream(of session: Int32, _ direction: StreamDirection) -> Int {
        2 * Int(session) + (direction == .originator ? 0 : 1)
    }

    /// Protocol analysis of one TCP segment with payload (`payload` of `frame`, `wireLength` bytes on the wire,
    /// starting at `sequence`): probe an undecided flow, then feed its analyzer. Takes these three rather than the
    /// decoded packet, which as an argument was copied (217 bytes) for every segment.
    mutating func analyze(
        payload payloadRange: Range<Int>, wireLength: Int, sequence: UInt32, frame: RawSpan, flowSlot: Int32,
        time: PacketTime
    ) {
        var session = flows.applicationSlot(at: flowSlot)
        let direction: StreamDirection = flows.lastPacketFromOriginator ? .originator : .responder
        let payload = frame.extracting(payloadRange)
        if session == -1 {
            // The flow's first data segment, early (its SYN said the stream starts before it): keep it until the
            // start arrives, so the probe sees the stream's first bytes.
            let flow = flows.flow(at: flowSlot)
            let start = direction == .originator ? flow.tcp.originatorStreamStart : flow.tcp.responderStreamStart
            if flow.probeAttempts == 0 && direction == .originator && TLSClientHello.looksLikeClientHello(payload) {
                observeTLSServerName(payload, client: flow.originatorAddress, flowSlot: flowSlot, time: time)
            }
            if flow.probeAttempts == 0, let start, Int32(bitPattern: sequence &- start) > 0 {
                session = openSession(kind: .pending, flowSlot: flowSlot)
                guard session >= 0 else { return }
                feed(session: session, direction: direction, sequence: sequence, payload: payload,
                     wireLength: wireLength, time: time)
                return
            }
            session = probe(payload, direction: direction, flowSlot: flowSlot, existing: -1)
        } else if sessions.contains(session), sessions.items[Int(session)].kind == .pending {
            // A pending session: probe the bytes that continue the stream in order.
            let stream = Self.stream(of: session, direction)
            switch reassemblers[stream].place(sequence: sequence, length: wireLength) {
            case .deliver(let from) where from < payload.byteCount:
                let probed = probe(
                    payload.extracting(from..<payload.byteCount), direction: direction, flowSlot: flowSlot,
                    existing: session)
                if probed < 0 {
                    closePending(session, flowSlot: flowSlot, decision: probed)
                    return
                }
            case .deliver, .duplicate, .early:
                break
            }
        }
        guard session >= 0 else { return }
        feed(
            session: session, direction: direction, sequence: sequence, payload: payload,
            wireLength: wireLength, time: time)
    }

    /// Tries each analyzer's probe on the first payload bytes of a direction and attaches the first that matches
    /// (to `existing` when a pending session waits). Returns the session, or -1 (undecided) / -2 (no analyzer).
    private mutating func probe(_ payload: RawSpan, direction: StreamDirection, flowSlot: Int32, existing: Int32)
        -> Int32
    {
        let kind: AnalyzerKind
        if SMB2Analyzer.probe(payload, direction: direction) == .match {
            kind = .smb2
        } else if DICOMAnalyzer.probe(payload, direction: direction) == .match {
            kind = .dicom
        } else if HL7Analyzer.probe(payload, direction: direction) == .match {
            kind = .hl7
        } else {
            let attempts = flows.flow(at: flowSlot).probeAttempts &+ 1
            let decision: Int32 = attempts >= analysis.probePackets || existing >= 0 ? -2 : -1
            flows.setApplicationSlot(decision, at: flowSlot, countingAttempt: true)
            return decision
        }
        if existing >= 0 {
            attachAnalyzer(kind, to: existing)
            return existing
        }
        return openSession(kind: kind, flowSlot: flowSlot)
    }

    /// Opens a session for a flow, its two reassemblers starting where the SYNs said the streams start.
    private mutating func openSession(kind: AnalyzerKind, flowSlot: Int32) -> Int32 {
        guard sessions.count < analysis.maximumSessions || evictIdlestSession() else {
            statistics.sessionsRefused &+= 1
            flows.setApplicationSlot(-2, at: flowSlot)
            return -2
        }
        let session = sessions.insert(StreamSession(flowSlot: flowSlot, kind: .pending, analyzerSlot: -1))
        let needed = 2 * Int(session) + 2
        while reassemblers.count < needed {
            reassemblers.append(TCPReassembler(limit: analysis.reassemblyBytesPerDirection))
        }
        let tracker = flows.flow(at: flowSlot).tcp
        // Ranges, not array literals, in these loops over a session's two streams: a literal is allocated.
        for index in 0..<2 {
            reassemblers[2 * Int(session) + index] = TCPReassembler(limit: analysis.reassemblyBytesPerDirection)
            if let start = index == 0 ? tracker.originatorStreamStart : tracker.responderStreamStart {
                reassemblers[2 * Int(session) + index].start(at: start)
            }
        }
        flows.setApplicationSlot(session, at: flowSlot)
        if kind != .pending { attachAnalyzer(kind, to: session) }
        return session
    }

    /// Sessions compared when the pool is full.
    static var evictionSample: Int { 16 }

    /// The pool is full: finishes the least recently active of a few sessions taken from a rotating hand (an
    /// approximate LRU, as Redis samples), its records emitted and its flow left unanalysed, so that connections
    /// that never finish (a flood of half-finished messages) cannot keep a new connection, an attack's, from being
    /// analysed. Returns whether a session was freed.
    private mutating func evictIdlestSession() -> Bool {
        let slots = sessions.items.count
        var victim: (session: Int32, flowSlot: Int32, lastSeen: PacketTime)?
        var examined = 0
        var visited = 0
        while examined < Self.evictionSample && visited < slots {
            let slot = sessionHand % slots
            sessionHand = slot + 1
            visited += 1
            guard sessions.contains(Int32(slot)) else { continue }
            let session = sessions.items[slot]
            examined += 1
            let lastSeen = flows.flow(at: session.flowSlot).lastSeen
            if let current = victim, current.lastSeen <= lastSeen { continue }
            victim = (Int32(slot), session.flowSlot, lastSeen)
        }
        guard let victim else { return false }
        finishSession(victim.session, flow: flows.flow(at: victim.flowSlot))
        flows.setApplicationSlot(-2, at: victim.flowSlot)
        statistics.sessionsEvicted &+= 1
        return true
    }

    private mutating func attachAnalyzer(_ kind: AnalyzerKind, to session: Int32) {
        let analyzerSlot: Int32
        switch kind {
        case .pending:
            return
        case .dicom:
            analyzerSlot = dicomAnalyzers.insert(DICOMAnalyzer())
            statistics.dicomSessions &+= 1
        case .hl7:
            analyzerSlot = hl7Analyzers.insert(HL7Analyzer())
            statistics.hl7Sessions &+= 1
        case .smb2:
            analyzerSlot = smb2Analyzers.insert(SMB2Analyzer())
            statistics.smbSessions &+= 1
        }
        sessions.items[Int(session)].kind = kind
        sessions.items[Int(session)].analyzerSlot = analyzerSlot
    }

    /// A pending session whose stream turned out to be no known protocol: free its buffers.
    private mutating func closePending(_ session: Int32, flowSlot: Int32, decision: Int32) {
        for stream in (2 * Int(session))...(2 * Int(session) + 1) {
            reassemblyBytes -= reassemblers[stream].bufferedBytes
            reassemblers[stream] = TCPReassembler(limit: 0)
        }
        sessions.remove(session)
        flows.setApplicationSlot(decision, at: flowSlot)
    }

    /// Puts one segment's payload in order and hands what is ready to the analyzer.
    @inline(__always)
    private mutating func feed(
        session: Int32, direction: StreamDirection, sequence: UInt32, payload: RawSpan, wireLength: Int,
        time: PacketTime
    ) {
        let stream = Self.stream(of: session, direction)
        // Bytes the snapshot length cut off are lost to the analyzer: deliver what was captured, then a gap.
        let captured = payload.byteCount
        if captured == wireLength && reassemblers[stream].takeInOrder(sequence: sequence, length: wireLength) {
            if wireLength <= reassemblers[stream].waivable {
                // Bulk bytes the analyzer would not read (a file's data, a data set): it is told before anything else.
                reassemblers[stream].waive(wireLength)
            } else {
                deliver(session: session, bytes: payload, direction: direction, time: time)
            }
            return
        }
        switch reassemblers[stream].place(sequence: sequence, length: wireLength) {
        case .duplicate:
            return
        case .deliver(let from):
            deliverCaptured(session: session, stream: stream, payload: payload, from: from, wireLength: wireLength,
                            direction: direction, time: time)
        case .early:
            let ahead = Int(Int32(bitPattern: sequence &- reassemblers[stream].nextSequence))
            if ahead > analysis.maximumGap {
                abandon(session: session)
                return
            }
            let before = reassemblers[stream].bufferedBytes
            let fits = captured == wireLength && reassemblyBytes + captured <= analysis.reassemblyBytesTotal
            if fits && reassemblers[stream].store(sequence: sequence, payload: payload) {
                reassemblyBytes += reassemblers[stream].bufferedBytes - before
                return
            }
            // No room: give up on the holes, deliver what was held, then this segment after its own hole.
            statistics.reassemblyOverflows &+= 1
            flushBuffered(session: session, stream: stream, direction: direction, time: time)
            switch reassemblers[stream].place(sequence: sequence, length: wireLength) {
            case .duplicate:
                return
            case .deliver(let from):
                deliverCaptured(session: session, stream: stream, payload: payload, from: from,
                                wireLength: wireLength, direction: direction, time: time)
            case .early:
                let hole = Int(Int32(bitPattern: sequence &- reassemblers[stream].nextSequence))
                reassemblers[stream].skip(hole)
                statistics.reassemblyGapBytes &+= UInt64(hole)
                analyzerGap(session: session, length: hole, direction: direction)
                deliverCaptured(session: session, stream: stream, payload: payload, from: 0,
                                wireLength: wireLength, direction: direction, time: time)
            }
        }
    }

    /// Delivers `payload[from...]`, then a gap for bytes the snapshot length removed, then anything now in order.
    private mutating func deliverCaptured(
        session: Int32, stream: Int, payload: RawSpan, from: Int, wireLength: Int, direction: StreamDirection,
        time: PacketTime
    ) {
        let captured = payload.byteCount
        if from < captured {
            deliver(session: session, bytes: payload.extracting(from..<captured), direction: direction, time: time)
        }
        let missing = wireLength - max(from, captured)
        if missing > 0 {
            statistics.reassemblyGapBytes &+= UInt64(missing)
            analyzerGap(session: session, length: missing, direction: direction)
        }
        reassemblers[stream].advance(by: wireLength - from)
        drainReady(session: session, stream: stream, direction: direction, time: time)
    }

    /// Hands on buffered segments whose hole has filled.
    private mutating func drainReady(session: Int32, stream: Int, direction: StreamDirection, time: PacketTime) {
        guard reassemblers[stream].hasBuffered else { return }
        while true {
            let before = reassemblers[stream].bufferedBytes
            guard reassemblers[stream].popReady(into: &readyBytes) else { break }
            reassemblyBytes -= before - reassemblers[stream].bufferedBytes
            let count = readyBytes.count
            let ready = readyBytes
            ready.withUnsafeBytes { deliver(session: session, bytes: $0.bytes, direction: direction, time: time) }
            reassemblers[stream].advance(by: count)
        }
    }

    /// Ends a session whose stream jumped impossibly far (a desynchronised or forged sequence number): its records
    /// so far are emitted, and the flow is left unanalysed from here on.
    private mutating func abandon(session: Int32) {
        guard sessions.contains(session) else { return }
        let current = sessions.items[Int(session)]
        statistics.sessionsAbandoned &+= 1
        let flow = flows.flow(at: current.flowSlot)
        finishSession(session, flow: flow)
        flows.setApplicationSlot(-2, at: current.flowSlot)
    }

    /// Declares every hole before buffered data lost, delivering the buffered data in order.
    private mutating func flushBuffered(session: Int32, stream: Int, direction: StreamDirection, time: PacketTime) {
        while reassemblers[stream].hasBuffered {
            let hole = reassemblers[stream].skipToBuffered()
            if hole > 0 {
                statistics.reassemblyGapBytes &+= UInt64(hole)
                analyzerGap(session: session, length: hole, direction: direction)
            }
            let before = reassemblers[stream].bufferedBytes
            drainReady(session: session, stream: stream, direction: direction, time: time)
            if reassemblers[stream].bufferedBytes == before && hole == 0 { break }
        }
    }

    /// Hands in-order bytes to the session's analyzer; inlined into its callers, the records it then has wait
    /// for ``reportRecords(of:)``, out of line.
    @inline(__always)
    private mutating func deliver(session: Int32, bytes: RawSpan, direction: StreamDirection, time: PacketTime) {
        guard sessions.contains(session) else { return }
        let current = sessions.items[Int(session)]
        let slot = Int(current.analyzerSlot)
        let waiting: Bool
        switch current.kind {
        case .pending:
            return
        case .dicom:
            // Both directions' passed-over data first: they came before these bytes, and the association's byte
            // count must hold them when these bytes end it (an A-ABORT from the other side).
            for index in 0..<2 {
                let side: StreamDirection = index == 0 ? .originator : .responder
                reportWaived(stream: Self.stream(of: session, side), of: current, direction: side)
            }
            var skippable = 0
            waiting = dicomAnalyzers.items[slot].receive(
                bytes, direction: direction, at: time, associations: &dicomAssociations, skippable: &skippable)
            reassemblers[Self.stream(of: session, direction)].waivable = skippable
        case .hl7:
            waiting = hl7Analyzers.items[slot].receive(bytes, direction: direction, at: time)
        case .smb2:
            let stream = Self.stream(of: session, direction)
            let skipped = reassemblers[stream].waived > 0 ? reassemblers[stream].takeWaived() : 0
            var skippable = 0
            waiting = smb2Analyzers.items[slot].receive(
                bytes, direction: direction, at: time, afterSkipping: skipped, skippable: &skippable)
            reassemblers[stream].waivable = skippable
        }
        if waiting { reportRecords(of: current, flow: flows.identity(at: current.flowSlot)) }
    }

    /// Reports the records (and SMB encrypted messages) `session`'s analyzer has queued, as records of `flow`.
    @inline(never)
    private mutating func reportRecords(of session: StreamSession, flow: FlowIdentity) {
        let slot = Int(session.analyzerSlot)
        switch session.kind {
        case .pending:
            return
        case .dicom:
            while let record = dicomAnalyzers.items[slot].popRecord() { report(consume record, flow: flow) }
        case .hl7:
            while let record = hl7Analyzers.items[slot].popRecord() { report(consume record, flow: flow) }
        case .smb2:
            while let record = smb2Analyzers.items[slot].popRecord() { report(consume record, flow: flow) }
            while let message = smb2Analyzers.items[slot].popEncryptedMessage() { report(message, flow: flow) }
        }
    }

    private mutating func analyzerGap(session: Int32, length: Int, direction: StreamDirection) {
        guard sessions.contains(session) else { return }
        let current = sessions.items[Int(session)]
        let slot = Int(current.analyzerSlot)
        settleWaived(stream: Self.stream(of: session, direction), of: current, direction: direction)
        switch current.kind {
        case .pending: return
        case .dicom: dicomAnalyzers.items[slot].gap(length: length, direction: direction)
        case .hl7: hl7Analyzers.items[slot].gap(length: length, direction: direction)
        case .smb2: smb2Analyzers.items[slot].gap(length: length, direction: direction)
        }
    }

    /// Tells an SMB or DICOM analyzer of the bytes of `stream` passed over unread, before it is told anything else.
    @inline(__always)
    private mutating func reportWaived(stream: Int, of session: StreamSession, direction: StreamDirection) {
        let skipped = reassemblers[stream].takeWaived()
        guard skipped > 0 else { return }
        let slot = Int(session.analyzerSlot)
        switch session.kind {
        case .dicom: dicomAnalyzers.items[slot].skip(skipped, direction: direction)
        case .smb2: smb2Analyzers.items[slot].skip(skipped, direction: direction)
        case .pending, .hl7: break
        }
    }

    /// ``reportWaived(stream:of:direction:)``, then passes no more over until the analyzer says again what it would
    /// not read.
    private mutating func settleWaived(stream: Int, of session: StreamSession, direction: StreamDirection) {
        reportWaived(stream: stream, of: session, direction: direction)
        reassemblers[stream].waivable = 0
    }

    /// The flow ended: flush both directions, let the analyzer emit its last records, and free everything.
    mutating func finishSession(_ session: Int32, flow: FlowRecord) {
        guard sessions.contains(session) else { return }
        let current = sessions.items[Int(session)]
        for index in 0..<2 {
            let direction: StreamDirection = index == 0 ? .originator : .responder
            let stream = Self.stream(of: session, direction)
            flushBuffered(session: session, stream: stream, direction: direction, time: flow.lastSeen)
            settleWaived(stream: stream, of: current, direction: direction)
            reassemblyBytes -= reassemblers[stream].bufferedBytes
            reassemblers[stream] = TCPReassembler(limit: 0)
        }
        let slot = Int(current.analyzerSlot)
        switch current.kind {
        case .pending:
            break
        case .dicom:
            dicomAnalyzers.items[slot].finish(at: flow.lastSeen)
            reportRecords(of: current, flow: flow.identity)
            for (anomaly, count) in dicomAnalyzers.items[slot].anomalies.nonZero {
                addProtocolAnomaly("\(anomaly.name)", UInt64(count))
            }
            dicomAnalyzers.remove(current.analyzerSlot)
        case .hl7:
            hl7Analyzers.items[slot].finish(at: flow.lastSeen)
            reportRecords(of: current, flow: flow.identity)
            hl7Analyzers.items[slot].anomalies.forEachNonZero { anomaly, count in
                addProtocolAnomaly(anomaly.name, count)
            }
            hl7Analyzers.remove(current.analyzerSlot)
        case .smb2:
            smb2Analyzers.items[slot].finish(at: flow.lastSeen)
            reportRecords(of: current, flow: flow.identity)
            let counts = smb2Analyzers.items[slot].anomalies
            var index = 0
            while let anomaly = SMB2Anomaly(rawValue: index) {
                if counts[anomaly] > 0 { addProtocolAnomaly("\(anomaly.name)", UInt64(counts[anomaly])) }
                index += 1
            }
            smb2Analyzers.remove(current.analyzerSlot)
        }
        sessions.remove(session)
    }

    private mutating func addProtocolAnomaly(_ name: String, _ count: UInt64) {
        if let index = statistics.protocolAnomalies.firstIndex(where: { $0.name == name }) {
            statistics.protocolAnomalies[index].count &+= count
        } else {
            statistics.protocolAnomalies.append((name, count))
            statistics.protocolAnomalies.sort { $0.name < $1.name }
        }
    }
}
