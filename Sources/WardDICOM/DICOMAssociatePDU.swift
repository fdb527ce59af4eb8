import WardCore

/// The decoded body of an A-ASSOCIATE-RQ or A-ASSOCIATE-AC PDU (DICOM PS3.8 §9.3.2 and §9.3.3, items in §9.3.2.1–
/// §9.3.3.3 and PS3.7 Annex D.3.3).
///
/// Built once per association. The presentation contexts' UIDs (over a hundred in a modality's request) stay bytes
/// in two distinct-UID lists; the contexts refer to them by index. It never holds the user identity's primary or
/// secondary field (PS3.7 §D.3.3.7): only its type.
public struct DICOMAssociatePDU: Sendable {
    /// One presentation context item (0x20 in a request, 0x21 in an accept).
    public struct PresentationContext: Sendable, Equatable {
        /// The presentation context ID (odd, 1–255).
        public var id: UInt8
        /// The proposed abstract syntax (request only): an index in ``DICOMAssociatePDU/abstractSyntaxes``.
        public var abstractSyntax: Int?
        /// Proposed transfer syntaxes (request) or the one accepted (accept): positions in
        /// ``DICOMAssociatePDU/contextTransferSyntaxes``.
        public var transferSyntaxPositions: Range<Int>
        /// The result/reason byte (accept only): 0 acceptance, 1 user rejection, 2 no reason, 3 abstract syntax not
        /// supported, 4 transfer syntaxes not supported.
        public var result: UInt8?
        /// Where the proposed abstract syntax lies in the decoded body, without its padding (request only, when
        /// valid): what ``ContextDetail/abstractSyntaxRanges`` keeps instead of the UID lists.
        public var abstractSyntaxRange: Range<Int>?
    }

    /// How much of the presentation contexts a decode keeps.
    public enum ContextDetail: Sendable {
        /// Every UID, in the distinct-UID lists.
        case full
        /// Each context's ID and ``PresentationContext/abstractSyntaxRange`` only; the UID lists stay empty. The
        /// UIDs are still checked, with the anomalies of a full decode (short of a request proposing more distinct
        /// transfer syntaxes than a list keeps). An association needs no more of its request than the abstract
        /// syntaxes of the contexts the accept names: building lists of the hundred or more UIDs a modality
        /// proposes cost more than everything else the analyzer did with the request.
        case abstractSyntaxRanges
    }

    /// Whether this is an A-ASSOCIATE-AC (else an RQ).
    public var isAccept: Bool
    /// The protocol version bit field (bit 0 = version 1).
    public var protocolVersion: UInt16
    /// The called AE title, trimmed of spaces.
    public var calledAE: String
    /// The calling AE title, trimmed of spaces.
    public var callingAE: String
    /// The application context name (item 0x10), normally `1.2.840.10008.3.1.1.1`.
    public var applicationContext: String = ""
    /// Presentation contexts, in wire order, at most ``DICOMLimits/maximumPresentationContexts``.
    public var presentationContexts: [PresentationContext] = []
    /// The distinct abstract syntaxes of the contexts, in first-seen order.
    public var abstractSyntaxes: DICOMUIDList = []
    /// The distinct transfer syntaxes of the contexts, in first-seen order, at most
    /// ``DICOMLimits/maximumDistinctValues``.
    public var transferSyntaxes: DICOMUIDList = []
    /// The contexts' transfer syntaxes, one run per context: indices in `transferSyntaxes`.
    public var contextTransferSyntaxes: [Int] = []
    /// Maximum length received (sub-item 0x51); 0 means unlimited or absent.
    public var maximumPDULength: UInt32 = 0
    /// Implementation class UID (sub-item 0x52).
    public var implementationClassUID: String = ""
    /// Implementation version name (sub-item 0x55).
    public var implementationVersion: String = ""
    /// User identity type (sub-item 0x58 in a request): 1 username, 2 username and passcode, 3 Kerberos,
    /// 4 SAML, 5 JWT. The identity itself is never read.
    public var userIdentityType: UInt8?
    /// Whether the acceptor returned a server response to user identity negotiation (sub-item 0x59).
    public var userIdentityResponsePresent = false

    /// Why a body cannot be decoded at all.
    public enum DecodeFailure: Error, Sendable {
        /// Shorter than the 68 fixed bytes before the items.
        case truncated
    }

    /// Length of the fixed part: protocol version (2), reserved (2), called AE (16), calling AE (16), reserved (32).
    public static let fixedLength = 68

    /// Decodes an RQ or AC body (the bytes after the 6-byte PDU header).
    ///
    /// Item-level problems (truncated items, bad UIDs, too many contexts) are counted in `anomalies` and decoding
    /// keeps what it could read.
    /// - Parameters:
    ///   - body: the PDU body.
    ///   - isAccept: whether the PDU type was A-ASSOCIATE-AC.
    ///   - limits: caps on contexts and UID length.
    ///   - anomalies: counters to update.
    ///   - detail: how much of the presentation contexts to keep.
    /// - Returns: the decoded PDU.
    /// - Throws: ``DecodeFailure/truncated`` when the fixed part is incomplete.
    public static func decode(
        _ body: RawSpan, isAccept: Bool, limits: DICOMLimits, anomalies: inout DICOMAnomalyCounts,
        detail: ContextDetail = .full
    ) throws(DecodeFailure) -> DICOMAssociatePDU {
        guard body.byteCount >= fixedLength else { throw .truncated }
        let version = body.loadUInt16(at: 0)
        if version & 0x0001 == 0 { anomalies.record(.unsupportedProtocolVersion) }
        var pdu = DICOMAssociatePDU(
            isAccept: isAccept, protocolVersion: version, calledAE: DICOMText.trimmed(body, 4..<20),
            callingAE: DICOMText.trimmed(body, 20..<36),
            abstractSyntaxes: DICOMUIDList(limit: limits.maximumPresentationContexts),
            transferSyntaxes: DICOMUIDList(limit: limits.maximumDistinctValues))
        pdu.reserveCapacity(forBodyLength: body.byteCount, limits: limits, detail: detail)
        var offset = fixedLength
        var contextsSeen = 0
        while offset < body.byteCount {
            guard let item = nextItem(body, at: offset, end: body.byteCount) else {
                anomalies.record(.truncatedItem)
                break
            }
            switch item.type {
            case 0x10:
                pdu.applicationContext =
                    DICOMText.uid(body, item.value, limits: limits, anomalies: &anomalies) ?? ""
            case 0x20, 0x21:
                contextsSeen += 1
                if contextsSeen > limits.maximumPresentationContexts {
                    if contextsSeen == limits.maximumPresentationContexts + 1 {
                        anomalies.record(.tooManyPresentationContexts)
                    }
                } else if let context = pdu.decodePresentationContext(
                    body, item.value, isAccept: item.type == 0x21, limits: limits, anomalies: &anomalies,
                    detail: detail)
                {
                    pdu.presentationContexts.append(context)
                }
            case 0x50:
                pdu.decodeUserInformation(body, item.value, limits: limits, anomalies: &anomalies)
            default:
                break  // unknown item types are skipped (PS3.8 §9.3.1: ignore unrecognised items)
            }
            offset = item.value.upperBound
        }
        return pdu
    }

    /// Room for the contexts a body of `length` bytes can hold, estimated from typical item sizes (a context
    /// takes 30 bytes or more, a transfer syntax sub-item 23, an abstract syntax UID about 26 characters): growing
    /// the arrays item by item cost a dozen reallocations per request.
    private mutating func reserveCapacity(forBodyLength length: Int, limits: DICOMLimits, detail: ContextDetail) {
        let contexts = min(limits.maximumPresentationContexts, length / 30)
        presentationContexts.reserveCapacity(contexts)
        guard case .full = detail else { return }
        contextTransferSyntaxes.reserveCapacity(length / 23)
        if !isAccept { abstractSyntaxes.reserveCapacity(contexts, bytesEach: 26) }
    }

    /// The item at `offset`: type (1), reserved (1), big-endian length (2), value; `nil` when it runs past `end`.
    static func nextItem(_ body: RawSpan, at offset: Int, end: Int) -> (type: UInt8, value: Range<Int>)? {
        guard end <= body.byteCount, offset >= 0, offset <= end, end - offset >= 4 else { return nil }
        let length = Int(body.loadUInt16(at: offset + 2))
        guard length <= end - offset - 4 else { return nil }
        return (body.loadUInt8(at: offset), (offset + 4)..<(offset + 4 + length))
    }

    /// The abstract syntax of `context`, if it names one.
    public func abstractSyntax(of context: PresentationContext) -> String? {
        context.abstractSyntax.map { abstractSyntaxes[$0] }
    }

    /// The transfer syntaxes of `context`, in wire order.
    public func transferSyntaxes(of context: PresentationContext) -> [String] {
        contextTransferSyntaxes[context.transferSyntaxPositions].map { transferSyntaxes[$0] }
    }

    private mutating func decodePresentationContext(
        _ body: RawSpan, _ value: Range<Int>, isAccept: Bool, limits: DICOMLimits,
        anomalies: inout DICOMAnomalyCounts, detail: ContextDetail
    ) -> PresentationContext? {
        // ID (1), reserved (1), result/reason (AC) or reserved (RQ) (1), reserved (1), then sub-items.
        guard value.count >= 4 else {
            anomalies.record(.truncatedItem)
            return nil
        }
        let first = contextTransferSyntaxes.count
        // Requestors list the same transfer syntaxes, in the same order, in every context: the previous context's
        // k-th one is the likely k-th one here.
        let previous = presentationContexts.last?.transferSyntaxPositions ?? first..<first
        var context = PresentationContext(
            id: body.loadUInt8(at: value.lowerBound), abstractSyntax: nil, transferSyntaxPositions: first..<first,
            result: isAccept ? body.loadUInt8(at: value.lowerBound + 2) : nil)
        var checkedTransferSyntaxes = 0
        var offset = value.lowerBound + 4
        while offset < value.upperBound {
            guard let item = Self.nextItem(body, at: offset, end: value.upperBound) else {
                anomalies.record(.truncatedItem)
                break
            }
            switch (item.type, detail) {
            case (0x30, .full):
                context.abstractSyntax = DICOMText.uid(
                    body, item.value, into: &abstractSyntaxes, limits: limits, anomalies: &anomalies)
                context.abstractSyntaxRange = context.abstractSyntax.map { _ in DICOMText.unpadded(body, item.value) }
            case (0x30, .abstractSyntaxRanges):
                context.abstractSyntaxRange = DICOMText.validUID(
                    body, item.value, limits: limits, anomalies: &anomalies)
            case (0x40, .abstractSyntaxRanges):
                if checkedTransferSyntaxes < limits.maximumDistinctValues,
                    DICOMText.validUID(body, item.value, limits: limits, anomalies: &anomalies) != nil
                {
                    checkedTransferSyntaxes += 1
                }
            case (0x40, .full):
                let ordinal = contextTransferSyntaxes.count - first
                let likely = ordinal < previous.count ? contextTransferSyntaxes[previous.lowerBound + ordinal] : nil
                if ordinal < limits.maximumDistinctValues,
                    let index = DICOMText.uid(
                        body, item.value, into: &transferSyntaxes, likely: likely, limits: limits,
                        anomalies: &anomalies)
                {
                    contextTransferSyntaxes.append(index)
                }
            default:
                break
            }
            offset = item.value.upperBound
        }
        context.transferSyntaxPositions = first..<contextTransferSyntaxes.count
        return context
    }

    private mutating func decodeUserInformation(
        _ body: RawSpan, _ value: Range<Int>, limits: DICOMLimits, anomalies: inout DICOMAnomalyCounts
    ) {
        var offset = value.lowerBound
        while offset < value.upperBound {
            guard let item = Self.nextItem(body, at: offset, end: value.upperBound) else {
                anomalies.record(.truncatedItem)
                break
            }
            switch item.type {
            case 0x51:
                if item.value.count == 4 {
                    maximumPDULength = body.loadUInt32(at: item.value.lowerBound)
                } else {
                    anomalies.record(.truncatedItem)
                }
            case 0x52:
                implementationClassUID = DICOMText.uid(body, item.value, limits: limits, anomalies: &anomalies) ?? ""
            case 0x55:
                // Implementation version name: 1–16 characters (PS3.7 §D.3.3.2.3); longer is cut to 16.
                let upper = item.value.lowerBound + min(item.value.count, 16)
                implementationVersion = DICOMText.trimmed(body, item.value.lowerBound..<upper)
            case 0x58:
                // User identity: type (1), positive-response-requested (1), primary length (2), primary field,
                // secondary length (2), secondary field. Only the type is kept, never the fields.
                if let type = body.uint8IfPresent(at: item.value.lowerBound), !item.value.isEmpty {
                    userIdentityType = type
                } else {
                    anomalies.record(.truncatedItem)
                }
            case 0x59:
                userIdentityResponsePresent = true
            default:
                break
            }
            offset = item.value.upperBound
        }
    }
}
