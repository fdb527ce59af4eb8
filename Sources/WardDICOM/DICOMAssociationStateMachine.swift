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
    private var proposed: [DICOMAssociatePDU.PresentationContext] = []
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
        proposed = pdu.presentationContexts
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
        // Presentation context IDs are one byte: index the proposed abstract syntaxes by ID.
        var proposedAbstract = [String?](repeating: nil, count: 256)
        for context in proposed where proposedAbstract[Int(context.id)] == nil {
            proposedAbstract[Int(context.id)] = context.abstractSyntax
        }
        var abstracts = DistinctStrings(limit: limits.maximumDistinctValues)
        var transfers = DistinctStrings(limit: limits.maximumDistinctValues)
        for context in pdu.presentationContexts where context.result == 0 {
            record.presentationContextsAccepted += 1
            if let abstract = proposedAbstract[Int(context.id)] { abstracts.append(abstract) }
            for transfer in context.transferSyntaxes { transfers.append(transfer) }
        }
        record.abstractSyntaxes = abstracts.values
        record.transferSyntaxes = transfers.values
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
        guard phase == .established || phase == .releasing, var record = current,
            let field = command.commandField
        else { return Action(record: nil, anomaly: .unexpectedPDU) }
        current = nil  // keep the arrays uniquely referenced while mutating
        var anomaly: DICOMAnomaly?
        let name = field.name
        if let index = record.commandCounts.firstIndex(where: { $0.name == name }) {
            record.commandCounts[index].count += 1
        } else if record.commandCounts.count < limits.maximumDistinctValues {
            record.commandCounts.append((name, 1))
        }
        if let status = command.status, field.isResponse {
            if let index = record.statusCounts.firstIndex(where: { $0.status == status }) {
                record.statusCounts[index].count += 1
            } else if record.statusCounts.count < limits.maximumDistinctValues {
                record.statusCounts.append((status, 1))
            }
            if field == .cStoreResponse {
                let statusClass = DICOMStatusClass(status)
                if statusClass == .success || statusClass == .warning { record.instancesStored += 1 }
            }
        }
        if let range = command.affectedSOPClass, !range.isEmpty,
            !record.affectedSOPClasses.contains(where: { DICOMText.equals($0, bytes, range) }),
            record.affectedSOPClasses.count < limits.maximumDistinctValues
        {
            var counts = DICOMAnomalyCounts()
            if let uid = DICOMText.uid(bytes, range, limits: limits, anomalies: &counts) {
                record.affectedSOPClasses.append(uid)
            } else {
                anomaly = counts[.uidTooLong] > 0 ? .uidTooLong : .invalidUID
            }
        }
        if field == .cMoveRequest, let range = command.moveDestination, !range.isEmpty,
            !record.moveDestinations.contains(where: { DICOMText.equals($0, bytes, range) }),
            record.moveDestinations.count < limits.maximumDistinctValues
        {
            record.moveDestinations.append(DICOMText.trimmed(bytes, range.lowerBound..<min(range.upperBound, range.lowerBound + 16)))
        }
        record.end = time
        current = record
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
        if phase == .requested && current != nil {
            // Never accepted (rejected, aborted, or cut off): the record names what was proposed.
            var abstracts = DistinctStrings(limit: limits.maximumDistinctValues)
            var transfers = DistinctStrings(limit: limits.maximumDistinctValues)
            for context in proposed {
                if let abstract = context.abstractSyntax { abstracts.append(abstract) }
                for transfer in context.transferSyntaxes { transfers.append(transfer) }
            }
            current?.abstractSyntaxes = abstracts.values
            current?.transferSyntaxes = transfers.values
        }
        current?.end = time
        let record = current
        current = nil
        proposed = []
        phase = .idle
        return record
    }
}
