import WardCore

/// One `wardwatch.smb` record (DESIGN.md "Events"): a tree connect, a file handle's life, or a session summary.
///
/// Records carry metadata only (share and file names are allowed); file contents never leave the analyzer.
public enum SMB2Record: Sendable {
    /// A TREE_CONNECT and its result.
    case treeConnect(SMB2TreeConnectRecord)
    /// A file handle, emitted when it closes (or when the connection ends).
    case file(SMB2FileRecord)
    /// A session summary, emitted at LOGOFF or when the connection ends.
    case session(SMB2SessionRecord)

    /// The record's packet time (the tree connect response, the close, or the session end).
    public var time: PacketTime {
        switch self {
        case .treeConnect(let record): record.time
        case .file(let record): record.closed
        case .session(let record): record.time
        }
    }

    /// Writes the fields of the `smb` object (the caller wraps them with `beginObject("smb")`).
    public func encode(into writer: inout JSONWriter) {
        switch self {
        case .treeConnect(let record): record.encode(into: &writer)
        case .file(let record): record.encode(into: &writer)
        case .session(let record): record.encode(into: &writer)
        }
    }
}

/// A TREE_CONNECT request and its response ([MS-SMB2] §2.2.9, §2.2.10).
public struct SMB2TreeConnectRecord: Sendable, Equatable {
    /// The response's packet time.
    public var time: PacketTime
    /// The share path, `\\server\share`.
    public var tree: String
    /// The response status.
    public var status: SMB2Status
    /// The share type (disk, pipe, print) when the connect succeeded.
    public var shareType: SMB2TreeConnect.ShareType?
    /// The SessionId.
    public var sessionID: UInt64
    /// The TreeId assigned.
    public var treeID: UInt32

    /// Writes `action`, `tree`, `status`, `share_type`, `session_id`.
    public func encode(into writer: inout JSONWriter) {
        writer.key("action")
        writer.value("tree_connect" as StaticString)
        writer.key("tree")
        writer.value(tree)
        writer.key("status")
        writer.value(status.name)
        if let shareType {
            writer.key("share_type")
            switch shareType {
            case .disk: writer.value("disk" as StaticString)
            case .pipe: writer.value("pipe" as StaticString)
            case .print: writer.value("print" as StaticString)
            default: writer.value(Int(shareType.rawValue))
            }
        }
        writer.key("session_id")
        writer.value(sessionID)
    }
}

/// One file handle from CREATE to CLOSE ([MS-SMB2] §2.2.13–§2.2.16, §2.2.21, §2.2.39).
public struct SMB2FileRecord: Sendable, Equatable {
    /// When the CREATE response arrived (or the first READ/WRITE, for a handle opened before the capture).
    public var opened: PacketTime
    /// When the CLOSE response arrived (or the connection ended).
    public var closed: PacketTime
    /// Whether the CLOSE was seen (`false` when emitted at the connection's end).
    public var closedCleanly: Bool
    /// The share path (`\\server\share`), empty when its tree connect was not seen.
    public var tree: String
    /// The file name relative to the share, empty for the share root or an unknown handle.
    public var filename: String
    /// CreateDisposition, when the CREATE was seen.
    public var disposition: SMB2CreateDisposition?
    /// CreateOptions.
    public var createOptions: UInt32
    /// CreateAction from the response.
    public var createAction: SMB2CreateAction?
    /// Bytes returned by READ responses.
    public var bytesRead: UInt64
    /// Bytes carried by WRITE requests.
    public var bytesWritten: UInt64
    /// WRITE requests seen.
    public var writeCount: UInt32
    /// Shannon entropy (bits per byte) of the sampled written bytes.
    public var writeEntropy: Double?
    /// Pearson's χ² of the sampled written bytes against uniform.
    public var writeChiSquare: Double?
    /// How many written bytes were sampled.
    public var sampledBytes: Int
    /// The new name from a successful FileRenameInformation SET_INFO.
    public var renamedTo: String?
    /// Whether the file was deleted (FileDispositionInformation or delete-on-close).
    public var deleted: Bool
    /// Whether existing content was replaced (superseded/overwritten on open, or a write at offset 0 to an opened file).
    public var overwrote: Bool
    /// The SessionId.
    public var sessionID: UInt64

    /// Writes `action`, `tree`, `filename`, `disposition`, `create_options`, `bytes_read`, `bytes_written`,
    /// `write_count`, `write_entropy`, `write_chi_square`, `renamed_to`, `deleted`, `overwrote`, `opened`.
    public func encode(into writer: inout JSONWriter) {
        writer.key("action")
        writer.value("file" as StaticString)
        writer.key("tree")
        writer.value(tree)
        writer.key("filename")
        writer.value(filename)
        if let disposition {
            writer.key("disposition")
            if let known = disposition.knownName { writer.value(known) } else { writer.value(disposition.name) }
        }
        writer.key("create_options")
        writer.value(UInt64(createOptions))
        writer.key("bytes_read")
        writer.value(bytesRead)
        writer.key("bytes_written")
        writer.value(bytesWritten)
        writer.key("write_count")
        writer.value(UInt64(writeCount))
        if let writeEntropy {
            writer.key("write_entropy")
            writer.value(writeEntropy, decimals: 3)
        }
        if let writeChiSquare, writeChiSquare < 1e15 {
            writer.key("write_chi_square")
            writer.value(writeChiSquare, decimals: 2)
        }
        if let renamedTo {
            writer.key("renamed_to")
            writer.value(renamedTo)
        }
        writer.key("deleted")
        writer.value(deleted)
        writer.key("overwrote")
        writer.value(overwrote)
        writer.key("opened")
        writer.value(opened)
        writer.key("session_id")
        writer.value(sessionID)
    }
}

/// A session summary: negotiation, authentication names and encryption ([MS-SMB2] §2.2.3–§2.2.6, §2.2.41).
public struct SMB2SessionRecord: Sendable, Equatable {
    /// The packet time at LOGOFF or at the connection's end.
    public var time: PacketTime
    /// The dialect the server chose.
    public var dialect: SMB2Dialect?
    /// The dialects the client offered.
    public var dialectsOffered: [SMB2Dialect]
    /// Whether the traffic is (or was negotiated to be) encrypted.
    public var encrypted: Bool
    /// TRANSFORM (encrypted) messages seen.
    public var transformPackets: UInt64
    /// The sum of their OriginalMessageSize.
    public var transformBytes: UInt64
    /// COMPRESSION_TRANSFORM messages seen.
    public var compressedPackets: UInt64
    /// The NTLMSSP AUTHENTICATE user name, when visible.
    public var user: String?
    /// The NTLMSSP AUTHENTICATE domain, when visible.
    public var domain: String?
    /// The NTLMSSP AUTHENTICATE workstation, when visible.
    public var host: String?
    /// The final SESSION_SETUP status, when seen.
    public var authStatus: SMB2Status?
    /// Whether any SMB1 message was seen on the connection.
    public var smb1Seen: Bool
    /// Whether the server requires signing.
    public var signingRequired: Bool
    /// SMB2 commands seen (each in a compound counts).
    public var commandCount: UInt64
    /// The SessionId (0 before SESSION_SETUP).
    public var sessionID: UInt64

    /// Writes `action`, `dialect`, `dialects_offered`, `encrypted`, `transform_packets`, `transform_bytes`,
    /// `compressed_packets`, `user`, `domain`, `host`, `auth_status`, `smb1`, `signing_required`, `commands`.
    public func encode(into writer: inout JSONWriter) {
        writer.key("action")
        writer.value("session" as StaticString)
        if let dialect {
            writer.key("dialect")
            writer.value(dialect.name)
        }
        writer.key("dialects_offered")
        writer.beginArray()
        for offered in dialectsOffered { writer.value(offered.name) }
        writer.endArray()
        writer.key("encrypted")
        writer.value(encrypted)
        writer.key("transform_packets")
        writer.value(transformPackets)
        writer.key("transform_bytes")
        writer.value(transformBytes)
        writer.key("compressed_packets")
        writer.value(compressedPackets)
        if let user {
            writer.key("user")
            writer.value(user)
        }
        if let domain {
            writer.key("domain")
            writer.value(domain)
        }
        if let host {
            writer.key("host")
            writer.value(host)
        }
        if let authStatus {
            writer.key("auth_status")
            writer.value(authStatus.name)
        }
        writer.key("smb1")
        writer.value(smb1Seen)
        writer.key("signing_required")
        writer.value(signingRequired)
        writer.key("commands")
        writer.value(commandCount)
        writer.key("session_id")
        writer.value(sessionID)
    }
}
