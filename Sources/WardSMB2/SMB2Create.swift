import WardCore

/// An SMB2 FileId ([MS-SMB2] §2.2.14.1): persistent and volatile halves.
public struct SMB2FileID: Hashable, Sendable, BitwiseCopyable {
    /// Persistent.
    public var persistent: UInt64
    /// Volatile.
    public var volatile: UInt64

    /// A file id from its halves.
    public init(persistent: UInt64, volatile: UInt64) {
        self.persistent = persistent
        self.volatile = volatile
    }

    /// All ones: "the file opened earlier in this related compound" (§3.2.4.1.4).
    public static let related = SMB2FileID(persistent: .max, volatile: .max)

    /// Reads the 16-byte FileId at `offset`; the caller has checked the bounds.
    static func load(from span: RawSpan, at offset: Int) -> SMB2FileID {
        SMB2FileID(persistent: span.loadUInt64LE(at: offset), volatile: span.loadUInt64LE(at: offset + 8))
    }
}

extension SMB2FileID: OpenTableKey {
    /// Both halves multiplied in, so that ids differing in either half (servers vary one or the other) spread.
    public func openTableHash(seed: UInt64) -> UInt64 {
        OpenTableHash.fold(persistent, volatile, seed: seed)
    }
}

/// A CREATE request's CreateDisposition ([MS-SMB2] §2.2.13); an open set.
public struct SMB2CreateDisposition: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    /// The wire value.
    public var rawValue: UInt32
    /// A disposition from its wire value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// FILE_SUPERSEDE.
    public static let supersede = SMB2CreateDisposition(rawValue: 0)
    /// FILE_OPEN.
    public static let open = SMB2CreateDisposition(rawValue: 1)
    /// FILE_CREATE.
    public static let create = SMB2CreateDisposition(rawValue: 2)
    /// FILE_OPEN_IF.
    public static let openIf = SMB2CreateDisposition(rawValue: 3)
    /// FILE_OVERWRITE.
    public static let overwrite = SMB2CreateDisposition(rawValue: 4)
    /// FILE_OVERWRITE_IF.
    public static let overwriteIf = SMB2CreateDisposition(rawValue: 5)

    /// The stable snake_case name for events.
    public var name: String {
        knownName.map { "\($0)" } ?? hexString(rawValue)
    }

    /// The name of a disposition [MS-SMB2] defines, as a literal (the event writer copies it without an escaping
    /// scan), or `nil`.
    public var knownName: StaticString? {
        switch rawValue {
        case 0: "supersede"
        case 1: "open"
        case 2: "create"
        case 3: "open_if"
        case 4: "overwrite"
        case 5: "overwrite_if"
        default: nil
        }
    }
}

/// A CREATE response's CreateAction ([MS-SMB2] §2.2.14); an open set.
public struct SMB2CreateAction: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    /// The wire value.
    public var rawValue: UInt32
    /// An action from its wire value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// FILE_SUPERSEDED.
    public static let superseded = SMB2CreateAction(rawValue: 0)
    /// FILE_OPENED.
    public static let opened = SMB2CreateAction(rawValue: 1)
    /// FILE_CREATED.
    public static let created = SMB2CreateAction(rawValue: 2)
    /// FILE_OVERWRITTEN.
    public static let overwritten = SMB2CreateAction(rawValue: 3)
}

/// The fields read from SMB2 CREATE ([MS-SMB2] §2.2.13 request, §2.2.14 response).
public enum SMB2Create {
    /// FILE_DELETE_ON_CLOSE in CreateOptions.
    public static let optionDeleteOnClose: UInt32 = 0x0000_1000
    /// FILE_DIRECTORY_FILE in CreateOptions.
    public static let optionDirectoryFile: UInt32 = 0x0000_0001

    /// A CREATE request's fields.
    public struct Request: Sendable, Equatable {
        /// DesiredAccess.
        public var desiredAccess: UInt32
        /// CreateDisposition.
        public var disposition: SMB2CreateDisposition
        /// CreateOptions.
        public var options: UInt32
        /// The file name relative to the share (UTF-16LE decoded; empty for the share root).
        public var name: String
    }

    /// A CREATE response's fields.
    public struct Response: Sendable, Equatable, BitwiseCopyable {
        /// CreateAction.
        public var action: SMB2CreateAction
        /// EndofFile: the size after the open.
        public var endOfFile: UInt64
        /// FileAttributes.
        public var attributes: UInt32
        /// FileId.
        public var fileID: SMB2FileID
    }

    /// Decodes a request whose SMB2 header starts at offset 0 of `message`.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part or the name lies outside `message`.
    public static func decodeRequest(_ message: RawSpan, maxCodeUnits: Int) throws(SMB2DecodeFailure) -> Request {
        let body = SMB2Header.length
        guard message.contains(offset: body, length: 56) else { throw .truncated }
        let nameOffset = Int(message.loadUInt16LE(at: body + 44))
        let nameLength = Int(message.loadUInt16LE(at: body + 46))
        let name: String
        if nameLength == 0 {
            name = ""
        } else if let decoded = message.utf16LEString(at: nameOffset, length: nameLength, maxCodeUnits: maxCodeUnits) {
            name = decoded
        } else {
            throw .truncated
        }
        return Request(
            desiredAccess: message.loadUInt32LE(at: body + 24),
            disposition: SMB2CreateDisposition(rawValue: message.loadUInt32LE(at: body + 36)),
            options: message.loadUInt32LE(at: body + 40), name: name)
    }

    /// Decodes a response whose SMB2 header starts at offset 0 of `message`.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part is cut short.
    public static func decodeResponse(_ message: RawSpan) throws(SMB2DecodeFailure) -> Response {
        let body = SMB2Header.length
        guard message.contains(offset: body, length: 88) else { throw .truncated }
        return Response(
            action: SMB2CreateAction(rawValue: message.loadUInt32LE(at: body + 4)),
            endOfFile: message.loadUInt64LE(at: body + 48), attributes: message.loadUInt32LE(at: body + 56),
            fileID: SMB2FileID.load(from: message, at: body + 64))
    }

    /// A CLOSE request's FileId ([MS-SMB2] §2.2.15).
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part is cut short.
    public static func decodeCloseRequest(_ message: RawSpan) throws(SMB2DecodeFailure) -> SMB2FileID {
        guard message.contains(offset: SMB2Header.length, length: 24) else { throw .truncated }
        return SMB2FileID.load(from: message, at: SMB2Header.length + 8)
    }
}
