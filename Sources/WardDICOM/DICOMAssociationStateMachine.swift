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
    private let limits: DICOMLimits

    /// A machine in the idle phase.
    public init(limits: DICOMLimits = DICOMLimits()) {
        self.limits = limits
    }

    /// An A-ASSOCIATE-RQ from the requestor. An association still open is closed first (and flagged).
    public mutating func associateRequest(_ pdu: DICOMAssociatePDU, at time: PacketTime) -> Action {
        var action = Action.none
        if phase != .idle {
            action = Action(record: close(at: time), anomaly: .unexpectedPDU)
        }
        var record = DICOMAssociationRecord(start: time)
        record.callingAE = pdu.callingAE
        record.calledAE = pdu.calledAE
        record.protocolVersion = pdu.protocolVersion
        record.applicationContext = pdu.applicationContext
        record.implementationClassUID = pdu.implementationClassUID
        record.implementationVersion = pdu.implementationVersion
        record.requestorMaximumPDULength = pdu.maximumPDULength
        record.userIdentityType = pdu.userIdentityType
        record.presentationContextsProposed = pdu.presentationContexts.count
        // The record's syntaxes are the accepted ones once an A-ASSOCIATE-AC comes (nearly always); the proposed
        // ones are collected only if the association closes without one (`close`).
        request = pdu
        current = record
        phase = .requested
        return action
    }

    /// An A-ASSOCIATE-AC from the acceptor: the accepted syntaxes replace the proposed ones.
    public mutating func associateAccept(_ pdu: DICOMAssociatePDU, at time: PacketTime) -> Action {
        guard phase == .requested, var record = current else { return Action(record: nil, anomaly: .unexpectedPDU) }
        record.acceptorImplementationClassUID = pdu.implementationClassUID
        record.acceptorImplementationVersion = pdu.implementationVersion
        record.acceptorMaximumPDULength = pdu.maximumPDULength
        // Presentation context IDs are one byte: the proposed abstract syntax (an index in the request's list) by ID.
        var proposedAbstract = InlineArray<256, Int32>(repeating: -1)
        let proposedAbstracts = request?.abstractSyntaxes ?? []
        for context in request?.presentationContexts ?? [] where proposedAbstract[Int(context.id)] < 0 {
            if let abstract = context.abstractSyntax { proposedAbstract[Int(context.id)] = Int32(abstract) }
        }
        // Both lists are distinct already, so the accepted subsets are distinct by index.
        var abstracts = DICOMUIDList(limit: limits.maximumDistinctValues)
        var abstractTaken = [Bool](repeating: false, count: proposedAbstracts.count)
        var transfers = DICOMUIDList(limit: limits.maximumDistinctValues)
        var transferTaken = [Bool](repeating: false, count: pdu.transferSyntaxes.count)
        for context in pdu.presentationContexts where context.result == 0 {
            record.presentationContextsAccepted += 1
            let abstract = Int(proposedAbstract[Int(context.id)])
            if abstract >= 0 && !abstractTaken[abstract] {
                abstractTaken[abstract] = true
                abstracts.appendDistinct(proposedAbstracts, at: abstract)
            }
            for position in context.transferSyntaxPositions {
                let transfer = pdu.contextTransferSyntaxes[position]
                if !transferTaken[transfer] {
                    transferTaken[transfer] = true
                    transfers.appendDistinct(pdu.transferSyntaxes, at: transfer)
                }
            }
        }
        record.abstractSyntaxes = abstracts
        record.transferSyntaxes = transfers
        current = record
        phase = .established
        return .none
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

    /// A decoded command set; `bytes` are the command bytes its ranges point into.
    public mutating func command(_ command: DICOMCommandSet, in bytes: RawSpan, at time: PacketTime) -> Action {
        guard phase == .established || phase == .releasing, current != nil, let field = command.commandField
        else { return Action(record: nil, anomaly: .unexpectedPDU) }
        // `current!` is mutated in place: copying the record out and back costs more than the counting.
        let anomaly = current!.count(command, field: field, in: bytes, limits: limits)
        current!.end = time
        return Action(record: nil, anomaly: anomaly)
    }

    /// P-DATA-TF bytes seen since the last call, attributed to the open association.
    public mutating func addPDataBytes(_ count: UInt64) {
        guard count > 0, current != nil else { return }
        current?.bytes &+= count
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
        if phase == .requested && current != nil, let request {
            // Never accepted (rejected, aborted, or cut off): the record names what was proposed.
            current?.abstractSyntaxes = request.abstractSyntaxes.truncated(to: limits.maximumDistinctValues)
            current?.transferSyntaxes = request.transferSyntaxes.truncated(to: limits.maximumDistinctValues)
        }
        current?.end = time
        let record = current
        current = nil
        request = nil
        phase = .idle
        return record
    }
}
