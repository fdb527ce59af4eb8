import WardCore

/// The fields the analyzer reads from a DIMSE command set: group 0000 elements in implicit-VR little-endian
/// (DICOM PS3.7 §6.3 and §E.1; PS3.5 §7.1.3). Data sets (patient content) are never parsed.
///
/// Textual values are `Range<Int>` offsets into the command bytes, so decoding allocates nothing.
public struct DICOMCommandSet: Sendable, Equatable {
    /// (0000,0100) Command Field.
    public var commandField: DICOMCommandField?
    /// (0000,0002) Affected SOP Class UID (trimmed offsets).
    public var affectedSOPClass: Range<Int>?
    /// (0000,0003) Requested SOP Class UID (N-services; trimmed offsets).
    public var requestedSOPClass: Range<Int>?
    /// (0000,0110) Message ID.
    public var messageID: UInt16?
    /// (0000,0120) Message ID Being Responded To.
    public var messageIDBeingRespondedTo: UInt16?
    /// (0000,0600) Move Destination AE title (trimmed offsets).
    public var moveDestination: Range<Int>?
    /// (0000,0800) Command Data Set Type (0x0101 = no data set follows).
    public var dataSetType: UInt16?
    /// (0000,0900) Status.
    public var status: UInt16?

    /// Why a command set could not be read.
    public enum DecodeFailure: Error, Sendable, Equatable {
        /// An element header or value runs past the end, or a tag outside group 0000 appears.
        case malformed
        /// No (0000,0100) Command Field.
        case missingCommandField
    }

    /// Decodes `bytes` (the concatenated command PDV fragments).
    /// - Parameter bytes: the command set.
    /// - Returns: the fields read.
    /// - Throws: ``DecodeFailure`` when the elements are not well-formed or the command field is missing.
    public static func decode(_ bytes: RawSpan) throws(DecodeFailure) -> DICOMCommandSet {
        var command = DICOMCommandSet()
        var offset = 0
        while offset < bytes.byteCount {
            guard bytes.contains(offset: offset, length: 8) else { throw .malformed }
            let group = bytes.loadUInt16LE(at: offset)
            let element = bytes.loadUInt16LE(at: offset + 2)
            let declared = bytes.loadUInt32LE(at: offset + 4)
            guard group == 0x0000, let length = Int(exactly: declared),
                bytes.contains(offset: offset + 8, length: length)
            else { throw .malformed }
            let value = (offset + 8)..<(offset + 8 + length)
            switch element {
            case 0x0002: command.affectedSOPClass = DICOMText.trimmedRange(bytes, value)
            case 0x0003: command.requestedSOPClass = DICOMText.trimmedRange(bytes, value)
            case 0x0100: command.commandField = uint16(bytes, value).map(DICOMCommandField.init(rawValue:))
            case 0x0110: command.messageID = uint16(bytes, value)
            case 0x0120: command.messageIDBeingRespondedTo = uint16(bytes, value)
            case 0x0600: command.moveDestination = DICOMText.trimmedRange(bytes, value)
            case 0x0800: command.dataSetType = uint16(bytes, value)
            case 0x0900: command.status = uint16(bytes, value)
            default: break
            }
            offset = value.upperBound
        }
        guard command.commandField != nil else { throw .missingCommandField }
        return command
    }

    private static func uint16(_ bytes: RawSpan, _ value: Range<Int>) -> UInt16? {
        value.count == 2 ? bytes.loadUInt16LE(at: value.lowerBound) : nil
    }
}
