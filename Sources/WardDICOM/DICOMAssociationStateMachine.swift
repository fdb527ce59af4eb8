import WardCore

/// The association lifecycle of one DICOM connection (DICOM PS3.8 §9.2, simplified to what an observer needs):
/// events in, actions out.
///
/// A connection may carry several associations one after another; each produces one record.
public struct DICOMAssociationStateMachine: Sendable {
    /// The lifecycle phase.
    public enum Phase: Sendable, Equatable {
        /// No association (before the request, or after the previous one ended).
        case idle
        /// A-ASSOCIATE-RQ seen, no answer yet.
        case requested
        /// A-ASSOCIATE-AC seen.
        case established
        /// A-RELEASE-RQ seen, no A-RELEASE-RP yet.
        case releasing
    }

    /// What the caller must do after an event.
    public struct Action: Sendable {
        /// A finished association to queue.
        public var record: DICOMAssociationRecord?
        /// An irregularity to count.
        public var anomaly: DICOMAnomaly?

        /// Nothing to do.
        public static let none = Action(record: nil, anomaly: nil)
    }

    /// The current phase.
    public private(set) var phase: Phase = .idle
    private var current: DICOMAssociationRecord?
    /// The A-ASSOCIATE-RQ of the open association, until an accept or the end names its syntaxes.
    private var request: DICOMAssociatePDU?
    /// The body `request` was decoded from (at most ``DICOMLimits/maximumAssociatePDUBytes``): its contexts'
    /// abstract syntaxes are read from it.
    private var requestBody: [UInt8] = []
    private let limits: DICOMLimits

    /// A machine in the idle phase.
    public init(limits: DICOMLimits = DICOMLimits()) {
        self.limits = limits
    }

    /// An A-ASSOCIATE-RQ from the requestor. An association still open is closed first (and flagged).
    /// - Parameters:
    ///   - pdu: the request, decoded from `body` (``DICOMAssociatePDU/ContextDetail/abstractSyntaxRanges`` is
    ///     enough).
    ///   - body: the PDU body, kept (shared, not copied) until the association is accepted or ends.
    ///   - time: the packet time.
    public mutating func associateRequest(_ pdu: DICOMAssociatePDU, body: [UInt8], at time: PacketTime) -> Action {
        var action = Action.none
        if phase != .idle {
            action = Action(record: close(at: time), anomaly: .unexpectedPDU)
        }
        // Filled in place: a record built aside was copied in, its strings retained and released once more.
        current = DICOMAssociationRecord(start: time)
        current!.callingAE = pdu.callingAE
        current!.calledAE = pdu.calledAE
        current!.protocolVersion = pdu.protocolVersion
        current!.applicationContext = pdu.applicationContext
        current!.implementationClassUID = pdu.implementationClassUID
        current!.implementationVersion = pdu.implementationVersion
        current!.requestorMaximumPDULength = pdu.maximumPDULength
        current!.userIdentityType = pdu.userIdentityType
        current!.presentationContextsProposed = pdu.presentationContexts.count
        // The record's syntaxes are the accepted ones once an A-ASSOCIATE-AC comes (nearly always); the proposed
        // ones are collected only if the association closes without one (`close`).
        request = pdu
        requestBody = body
        phase = .requested
        return action
    }

    /// What an A-ASSOCIATE-AC made of the request it answered: a function of the two bodies (and the limits), so
    /// ``DICOMAssociateMemo`` keeps it for an accept that answers the same request again.
    public struct Acceptance: Sendable {
        /// Presentation contexts accepted.
        public var accepted = 0
        /// The accepted contexts' abstract syntaxes, distinct, in the accept's order.
        public var abstractSyntaxes: DICOMUIDList
        /// The accepted contexts' transfer syntaxes, distinct.
        public var transferSyntaxes: DICOMUIDList
    }

    /// The body of the request waiting for an answer, if one is.
    public var pendingRequestBody: [UInt8]? {
        phase == .requested ? requestBody : nil
    }

    /// An A-ASSOCIATE-AC from the acceptor: the accepted syntaxes replace the proposed ones.
    public mutating func associateAccept(_ pdu: DICOMAssociatePDU, at time: PacketTime) -> Action {
        associateAccept(pdu, acceptance: acceptance(of: pdu), at: time)
    }

    /// An A-ASSOCIATE-AC whose ``acceptance(of:)`` is known already.
    public mutating func associateAccept(_ pdu: DICOMAssociatePDU, acceptance: Acceptance, at time: PacketTime)
        -> Action
    {
        guard phase == .requested, current != nil else { return Action(record: nil, anomaly: .unexpectedPDU) }
        // In place: copying the record out and back retained and released every string and list in it.
        current!.acceptorImplementationClassUID = pdu.implementationClassUID
        current!.acceptorImplementationVersion = pdu.implementationVersion
        current!.acceptorMaximumPDULength = pdu.maximumPDULength
        current!.presentationContextsAccepted = acceptance.accepted
        current!.abstractSyntaxes = acceptance.abstractSyntaxes
        current!.transferSyntaxes = acceptance.transferSyntaxes
        phase = .established
        return .none
    }

    /// What `pdu`, an A-ASSOCIATE-AC, accepts of the request waiting for an answer (nothing when none waits).
    public func acceptance(of pdu: DICOMAssociatePDU) -> Acceptance {
        // Presentation context IDs are one byte: the proposed abstract syntax (a context of the request) by ID.
        var proposedContext = InlineArray<256, Int16>(repeating: -1)
        let proposed = phase == .requested ? request?.presentationContexts ?? [] : []
        for (index, context) in proposed.enumerated()
        where proposedContext[Int(context.id)] < 0 && context.abstractSyntaxRange != nil {
            proposedContext[Int(context.id)] = Int16(index)
        }
        var acceptance = Acceptance(
            abstractSyntaxes: DICOMUIDList(limit: limits.maximumDistinctValues),
            transferSyntaxes: DICOMUIDList(limit: limits.maximumDistinctValues))
        acceptance.abstractSyntaxes.reserveCapacity(pdu.presentationContexts.count, bytesEach: 26)
        // The accept's list is distinct already, so its accepted subset is distinct by index.
        var transferTaken = [Bool](repeating: false, count: pdu.transferSyntaxes.count)
        for context in pdu.presentationContexts where context.result == 0 {
            acceptance.accepted += 1
            let index = Int(proposedContext[Int(context.id)])
            if index >= 0, let range = proposed[index].abstractSyntaxRange {
                _ = requestBody.withUnsafeBytes {
                    acceptance.abstractSyntaxes.insert(UnsafeRawBufferPointer(rebasing: $0[range]))
                }
            }
            for position in context.transferSyntaxPositions {
                let transfer = pdu.contextTransferSyntaxes[position]
                if !transferTaken[transfer] {
                    transferTaken[transfer] = true
                    acceptance.transferSyntaxes.appendDistinct(pdu.transferSyntaxes, at: transfer)
                }
            }
        }
        return acceptance
    }

    /// An A-ASSOCIATE-RJ: the association ends rejected.
    public mutating func associateReject(_ reject: DICOMAssociateReject, at time: PacketTime) -> Action {
        guard phase == .requested, current != nil else { return Action(record: nil, anomaly: .unexpectedPDU) }
        current?.result = .rejected
        current?.reject = reject
        return Action(record: close(at: time), anomaly: nil)
    }

    /// An A-RELEASE-RQ from either side.
    public mutating func releaseRequest(at time: PacketTime) -> Action {
        guard phase == .established || phase == .releasing else { return Action(record: nil, anomaly: .unexpectedPDU) }
        phase = .releasing
        return .none
    }

    /// An A-RELEASE-RP: the association ends released.
    public mutating func releaseResponse(at time: PacketTime) -> Action {
        guard phase == .releasing, current != nil else { return Action(record: nil, anomaly: .unexpectedPDU) }
        current?.result = .released
        return Action(record: close(at: time), anomaly: nil)
    }

    /// An A-ABORT from `direction`: the association ends aborted.
    public mutating func abort(_ abort: DICOMAbort, from direction: StreamDirection, at time: PacketTime) -> Action {
        guard phase != .idle, current != nil else { return Action(record: nil, anomaly: .unexpectedPDU) }
        current?.result = .aborted
        current?.abort = abort
        current?.abortedBy = direction
        return Action(record: close(at: time), anomaly: nil)
    }

    /// A decoded command set; `bytes` are the command bytes its ranges point into. Returns the anomaly it raised, if
    /// any: a command never ends an association.
    public mutating func command(
        _ command: DICOMCommandSet, in bytes: RawSpan, at time: PacketTime
    ) -> DICOMAnomaly? {
        guard phase == .established || phase == .releasing, current != nil, let field = command.commandField
        else { return .unexpectedPDU }
        // `current!` is mutated in place: copying the record out and back costs more than the counting.
        let anomaly = current!.count(command, field: field, in: bytes, limits: limits)
        current!.end = time
        return anomaly
    }

    /// P-DATA-TF bytes seen since the last call, attributed to the open association.
    public mutating func addPDataBytes(_ count: UInt64) {
        guard count > 0 else { return }
        current?.bytes &+= count  // one look at the optional: it runs for every chunk
    }

    /// The connection ended: the open association's record, if any, with the result as far as known.
    public mutating func finish(at time: PacketTime) -> Action {
        guard phase != .idle, current != nil else { return .none }
        return Action(record: close(at: time), anomaly: nil)
    }

    private mutating func close(at time: PacketTime) -> DICOMAssociationRecord? {
        if current?.result == .incomplete && (phase == .established || phase == .releasing) {
            current?.result = .accepted
        }
        if phase == .requested && current != nil, request != nil {
            // Never accepted (rejected, aborted, or cut off): the record names what was proposed. Its anomalies
            // were counted when the request came.
            var counted = DICOMAnomalyCounts()
            let proposal = requestBody.withUnsafeBytes { raw in
                try? DICOMAssociatePDU.decode(raw.bytes, isAccept: false, limits: limits, anomalies: &counted)
            }
            current?.abstractSyntaxes =
                proposal?.abstractSyntaxes.truncated(to: limits.maximumDistinctValues) ?? []
            current?.transferSyntaxes =
                proposal?.transferSyntaxes.truncated(to: limits.maximumDistinctValues) ?? []
        }
        current?.end = time
        let record = current.take()
        request = nil
        requestBody = []
        phase = .idle
        return record
    }
}
