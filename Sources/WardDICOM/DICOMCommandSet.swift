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
        // Element headers are read through a raw pointer, each checked against the end once (a command has seven or
        // eight elements; the span's checked loads cost more than the walk). Text values are trimmed afterwards.
        let wellFormed = bytes.withUnsafeBytes { raw in
            let count = raw.count
            var offset = 0
            while offset < count {
                guard count &- offset >= 8 else { return false }
                let group = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                let element = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset &+ 2, as: UInt16.self))
                let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset &+ 4, as: UInt32.self)))
                let start = offset &+ 8
                guard group == 0x0000, length <= count &- start else { return false }
                let value = start..<(start &+ length)
                func uint16() -> UInt16? {
                    length == 2 ? UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt16.self)) : nil
                }
                switch element {
                case 0x0002: command.affectedSOPClass = value
                case 0x0003: command.requestedSOPClass = value
                case 0x0100: command.commandField = uint16().map(DICOMCommandField.init(rawValue:))
                case 0x0110: command.messageID = uint16()
                case 0x0120: command.messageIDBeingRespondedTo = uint16()
                case 0x0600: command.moveDestination = value
                case 0x0800: command.dataSetType = uint16()
                case 0x0900: command.status = uint16()
                default: break
                }
                offset = value.upperBound
            }
            return true
        }
        guard wellFormed else { throw .malformed }
        guard command.commandField != nil else { throw .missingCommandField }
        command.affectedSOPClass = command.affectedSOPClass.map { DICOMText.trimmedRange(bytes, $0) }
        command.requestedSOPClass = command.requestedSOPClass.map { DICOMText.trimmedRange(bytes, $0) }
        command.moveDestination = command.moveDestination.map { DICOMText.trimmedRange(bytes, $0) }
        return command
    }
}
