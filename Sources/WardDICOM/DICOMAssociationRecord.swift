import WardCore

/// How an association ended, as far as the sensor saw.
public enum DICOMAssociationResult: Sendable, Equatable {
    /// Accepted (A-ASSOCIATE-AC) and not released or aborted before the connection ended.
    case accepted
    /// Rejected (A-ASSOCIATE-RJ).
    case rejected
    /// Aborted (A-ABORT) by either side.
    case aborted
    /// Released in order (A-RELEASE-RQ, A-RELEASE-RP).
    case released
    /// Requested, but no answer was seen.
    case incomplete

    /// The stable JSON name.
    public var name: StaticString {
        switch self {
        case .accepted: "accepted"
        case .rejected: "rejected"
        case .aborted: "aborted"
        case .released: "released"
        case .incomplete: "incomplete"
        }
    }
}

/// One DICOM association, summarised when it is released, rejected or aborted, or when the connection ends: the
/// `wardwatch.dicom` record (DESIGN.md, "Events").
///
/// Privacy by construction: the only textual fields are AE titles, UIDs and the implementation version name, all
/// restricted to printable ASCII. Data sets (patient content) and user identity values are never read.
public struct DICOMAssociationRecord: Sendable {
    /// Time of the A-ASSOCIATE-RQ.
    public var start: PacketTime
    /// Time of the PDU that ended the association, or of the connection's end.
    public var end: PacketTime
    /// The calling (requesting) AE title, trimmed.
    public var callingAE: String = ""
    /// The called AE title, trimmed.
    public var calledAE: String = ""
    /// How the association ended.
    public var result: DICOMAssociationResult = .incomplete
    /// A-ASSOCIATE-RJ result, source and reason (PS3.8 Table 9-21), when rejected.
    public var reject: DICOMAssociateReject?
    /// A-ABORT source and reason (PS3.8 Table 9-26), when aborted.
    public var abort: DICOMAbort?
    /// Which side sent the A-ABORT.
    public var abortedBy: StreamDirection?
    /// The protocol version field of the request.
    public var protocolVersion: UInt16 = 0
    /// The application context name of the request.
    public var applicationContext: String = ""
    /// Accepted abstract syntaxes (SOP class UIDs), or the proposed ones when no A-ASSOCIATE-AC was seen.
    public var abstractSyntaxes: DICOMUIDList = []
    /// Accepted transfer syntaxes, or the proposed ones when no A-ASSOCIATE-AC was seen.
    public var transferSyntaxes: DICOMUIDList = []
    /// Presentation contexts proposed in the request.
    public var presentationContextsProposed = 0
    /// Presentation contexts accepted (result 0) in the accept.
    public var presentationContextsAccepted = 0
    /// The requestor's implementation class UID.
    public var implementationClassUID: String = ""
    /// The requestor's implementation version name.
    public var implementationVersion: String = ""
    /// The acceptor's implementation class UID.
    public var acceptorImplementationClassUID: String = ""
    /// The acceptor's implementation version name.
    public var acceptorImplementationVersion: String = ""
    /// The requestor's maximum PDU length (0 = unlimited or not stated).
    public var requestorMaximumPDULength: UInt32 = 0
    /// The acceptor's maximum PDU length (0 = unlimited or not stated).
    public var acceptorMaximumPDULength: UInt32 = 0
    /// The user identity type proposed (1 username, 2 username+passcode, 3 Kerberos, 4 SAML, 5 JWT); never the value.
    public var userIdentityType: UInt8?
    /// DIMSE commands seen, by command field, in order of first appearance.
    public private(set) var commandFieldCounts: [(field: DICOMCommandField, count: Int)] = []
    /// DIMSE commands seen, by name, in order of first appearance.
    public var commandCounts: [(name: String, count: Int)] { commandFieldCounts.map { ($0.field.name, $0.count) } }
    /// DIMSE response statuses seen, in order of first appearance.
    public var statusCounts: [(status: UInt16, count: Int)] = []
    /// C-MOVE destinations (0000,0600), distinct, in order of first appearance.
    public var moveDestinations: [String] = []
    /// Affected SOP class UIDs (0000,0002) of the commands, distinct, in order of first appearance.
    public var affectedSOPClasses: [String] = []
    /// The index in ``affectedSOPClasses`` of the last command's class, or -1: a command mostly names the class of
    /// the one before it (a C-STORE and its response, a run of stores), so that one is compared first.
    private var lastAffectedSOPClass = -1
    /// C-STORE-RSP with a success or warning status: instances the peer stored.
    public var instancesStored = 0
    /// P-DATA-TF bytes (PDU headers included), both directions.
    public var bytes: UInt64 = 0

    /// A record for an association requested at `start`.
    public init(start: PacketTime) {
        self.start = start
        self.end = start
    }

    /// The count of a command name (0 when absent).
    public func count(of command: String) -> Int {
        commandCounts.first { $0.name == command }?.count ?? 0
    }

    /// Counts a DIMSE command of this association: its name, its status, a stored instance, its affected SOP class
    /// and move destination (each list distinct and capped by `limits`).
    /// - Returns: the anomaly of an affected SOP class UID that is too long or malformed.
    mutating func count(
        _ command: DICOMCommandSet, field: DICOMCommandField, in bytes: RawSpan, limits: DICOMLimits
    ) -> DICOMAnomaly? {
        var anomaly: DICOMAnomaly?
        // Counted by field, named when written: comparing names cost a string comparison per command and entry.
        if let index = commandFieldCounts.firstIndex(where: { $0.field == field }) {
            commandFieldCounts[index].count += 1
        } else if commandFieldCounts.count < limits.maximumDistinctValues {
            commandFieldCounts.append((field, 1))
        }
        if let status = command.status, field.isResponse {
            if let index = statusCounts.firstIndex(where: { $0.status == status }) {
                statusCounts[index].count += 1
            } else if statusCounts.count < limits.maximumDistinctValues {
                statusCounts.append((status, 1))
            }
            if field == .cStoreResponse {
                let statusClass = DICOMStatusClass(status)
                if statusClass == .success || statusClass == .warning { instancesStored += 1 }
            }
        }
        if let range = command.affectedSOPClass, !range.isEmpty,
            !affectedSOPClasses.indices.contains(lastAffectedSOPClass)
                || !DICOMText.equals(affectedSOPClasses[lastAffectedSOPClass], bytes, range)
        {
            if let index = affectedSOPClasses.firstIndex(where: { DICOMText.equals($0, bytes, range) }) {
                lastAffectedSOPClass = index
            } else if affectedSOPClasses.count < limits.maximumDistinctValues {
                var counts = DICOMAnomalyCounts()
                if let uid = DICOMText.uid(bytes, range, limits: limits, anomalies: &counts) {
                    affectedSOPClasses.append(uid)
                    lastAffectedSOPClass = affectedSOPClasses.count - 1
                } else {
                    anomaly = counts[.uidTooLong] > 0 ? .uidTooLong : .invalidUID
                }
            }
        }
        if field == .cMoveRequest, let range = command.moveDestination, !range.isEmpty,
            !moveDestinations.contains(where: { DICOMText.equals($0, bytes, range) }),
            moveDestinations.count < limits.maximumDistinctValues
        {
            moveDestinations.append(
                DICOMText.trimmed(bytes, range.lowerBound..<min(range.upperBound, range.lowerBound + 16)))
        }
        return anomaly
    }

    /// Response statuses summed by class.
    public var statusClassCounts: [(statusClass: DICOMStatusClass, count: Int)] {
        DICOMStatusClass.allCases.compactMap { statusClass in
            let sum = statusCounts.reduce(0) { DICOMStatusClass($1.status) == statusClass ? $0 + $1.count : $0 }
            return sum > 0 ? (statusClass, sum) : nil
        }
    }

    /// Writes the fields of the `dicom` object; the caller writes `beginObject("dicom")` and `endObject()`.
    /// - Parameter writer: the event's writer.
    public func encode(into writer: inout JSONWriter) {
        writer.key("calling_ae")
        writer.value(callingAE)
        writer.key("called_ae")
        writer.value(calledAE)
        writer.key("result")
        writer.value(result.name)
        if let reject {
            writer.key("reject_result")
            writer.value(Int(reject.result))
            writer.key("reject_source")
            writer.value(Int(reject.source))
            writer.key("reject_reason")
            writer.value(Int(reject.reason))
        }
        if let abort {
            writer.key("abort_source")
            writer.value(Int(abort.source))
            writer.key("abort_reason")
            writer.value(Int(abort.reason))
        }
        if let abortedBy {
            writer.key("aborted_by")
            writer.value(abortedBy == .originator ? "originator" as StaticString : "responder")
        }
        if !applicationContext.isEmpty {
            writer.key("application_context")
            writer.value(applicationContext)
        }
        writer.key("abstract_syntaxes")
        abstractSyntaxes.encode(into: &writer)
        writer.key("transfer_syntaxes")
        transferSyntaxes.encode(into: &writer)
        writer.key("presentation_contexts_proposed")
        writer.value(presentationContextsProposed)
        writer.key("presentation_contexts_accepted")
        writer.value(presentationContextsAccepted)
        if !implementationClassUID.isEmpty {
            writer.key("implementation_class_uid")
            writer.value(implementationClassUID)
        }
        if !implementationVersion.isEmpty {
            writer.key("implementation_version")
            writer.value(implementationVersion)
        }
        if !acceptorImplementationClassUID.isEmpty {
            writer.key("acceptor_implementation_class_uid")
            writer.value(acceptorImplementationClassUID)
        }
        if !acceptorImplementationVersion.isEmpty {
            writer.key("acceptor_implementation_version")
            writer.value(acceptorImplementationVersion)
        }
        writer.key("max_pdu_length_requestor")
        writer.value(UInt64(requestorMaximumPDULength))
        writer.key("max_pdu_length_acceptor")
        writer.value(UInt64(acceptorMaximumPDULength))
        if let userIdentityType {
            writer.key("user_identity_type")
            writer.value(Int(userIdentityType))
        }
        writer.beginObject("command_counts")
        for (field, count) in commandFieldCounts {
            writer.keyDynamic(field.name)
            writer.value(count)
        }
        writer.endObject()
        writer.beginObject("status_counts")
        for (statusClass, count) in statusClassCounts {
            writer.key(statusClass.name)
            writer.value(count)
        }
        writer.endObject()
        writer.beginObject("status_codes")
        for (status, count) in statusCounts {
            writer.keyDynamic(hex16(status))
            writer.value(count)
        }
        writer.endObject()
        writer.key("move_destinations")
        writeStrings(moveDestinations, into: &writer)
        writer.key("affected_sop_classes")
        writeStrings(affectedSOPClasses, into: &writer)
        writer.key("instances_stored")
        writer.value(instancesStored)
        writer.key("bytes")
        writer.value(bytes)
    }

    private func writeStrings(_ strings: [String], into writer: inout JSONWriter) {
        writer.beginArray()
        for string in strings { writer.value(string) }
        writer.endArray()
    }

    /// `0x` and four upper-case hex digits (`0xA700`).
    private func hex16(_ value: UInt16) -> String {
        String(unsafeUninitializedCapacity: 6) { buffer in
            buffer[0] = UInt8(ascii: "0")
            buffer[1] = UInt8(ascii: "x")
            for index in 0..<4 {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt16(12 - 4 * index)) & 0xF
                buffer[2 + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
            }
            return 6
        }
    }
}
