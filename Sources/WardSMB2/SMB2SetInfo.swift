import WardCore

/// The fields read from SMB2 SET_INFO ([MS-SMB2] §2.2.39) for renames and deletions ([MS-FSCC] §2.4).
public enum SMB2SetInfo {
    /// SMB2_0_INFO_FILE.
    public static let infoTypeFile: UInt8 = 1
    /// FileRenameInformation ([MS-FSCC] §2.4.42.2).
    public static let classRename: UInt8 = 10
    /// FileDispositionInformation ([MS-FSCC] §2.4.11).
    public static let classDisposition: UInt8 = 13
    /// FileDispositionInformationEx ([MS-FSCC] §2.4.12).
    public static let classDispositionEx: UInt8 = 64

    /// What a SET_INFO request asks for, as far as the analyzer cares.
    public enum Change: Sendable, Equatable {
        /// Rename the file to this name.
        case rename(String)
        /// Mark the file for deletion (or clear the mark when `false`).
        case delete(Bool)
        /// Any other information class.
        case other(infoType: UInt8, infoClass: UInt8)
    }

    /// A SET_INFO request's fields.
    public struct Request: Sendable, Equatable {
        /// FileId.
        public var fileID: SMB2FileID
        /// The change requested.
        public var change: Change
    }

    /// Decodes a request whose SMB2 header starts at offset 0 of `message`.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part or the buffer lies outside `message`.
    public static func decodeRequest(_ message: RawSpan, maxCodeUnits: Int) throws(SMB2DecodeFailure) -> Request {
        let body = SMB2Header.length
        guard message.contains(offset: body, length: 32) else { throw .truncated }
        let infoType = message.loadUInt8(at: body + 2)
        let infoClass = message.loadUInt8(at: body + 3)
        let bufferLength = Int(message.loadUInt32LE(at: body + 4))
        let bufferOffset = Int(message.loadUInt16LE(at: body + 8))
        let fileID = SMB2FileID.load(from: message, at: body + 16)
        guard infoType == infoTypeFile else {
            return Request(fileID: fileID, change: .other(infoType: infoType, infoClass: infoClass))
        }
        guard message.contains(offset: bufferOffset, length: bufferLength) else { throw .truncated }
        switch infoClass {
        case classRename:
            // ReplaceIfExists(1) Reserved(7) RootDirectory(8) FileNameLength(4) FileName.
            guard bufferLength >= 20 else { throw .truncated }
            let nameLength = Int(message.loadUInt32LE(at: bufferOffset + 16))
            guard nameLength <= bufferLength - 20,
                let name = message.utf16LEString(
                    at: bufferOffset + 20, length: nameLength, maxCodeUnits: maxCodeUnits)
            else { throw .truncated }
            return Request(fileID: fileID, change: .rename(name))
        case classDisposition:
            guard bufferLength >= 1 else { throw .truncated }
            return Request(fileID: fileID, change: .delete(message.loadUInt8(at: bufferOffset) != 0))
        case classDispositionEx:
            guard bufferLength >= 4 else { throw .truncated }
            return Request(fileID: fileID, change: .delete(message.loadUInt32LE(at: bufferOffset) & 0x1 != 0))
        default:
            return Request(fileID: fileID, change: .other(infoType: infoType, infoClass: infoClass))
        }
    }
}
