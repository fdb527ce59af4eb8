/// An SMB2 command code ([MS-SMB2] §2.2.1.2, the header's Command field); an open set.
public struct SMB2Command: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The wire value.
    public var rawValue: UInt16

    /// A command from its wire value.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// SMB2 NEGOTIATE (0x0000).
    public static let negotiate = SMB2Command(rawValue: 0x0000)
    /// SMB2 SESSION_SETUP (0x0001).
    public static let sessionSetup = SMB2Command(rawValue: 0x0001)
    /// SMB2 LOGOFF (0x0002).
    public static let logoff = SMB2Command(rawValue: 0x0002)
    /// SMB2 TREE_CONNECT (0x0003).
    public static let treeConnect = SMB2Command(rawValue: 0x0003)
    /// SMB2 TREE_DISCONNECT (0x0004).
    public static let treeDisconnect = SMB2Command(rawValue: 0x0004)
    /// SMB2 CREATE (0x0005).
    public static let create = SMB2Command(rawValue: 0x0005)
    /// SMB2 CLOSE (0x0006).
    public static let close = SMB2Command(rawValue: 0x0006)
    /// SMB2 FLUSH (0x0007).
    public static let flush = SMB2Command(rawValue: 0x0007)
    /// SMB2 READ (0x0008).
    public static let read = SMB2Command(rawValue: 0x0008)
    /// SMB2 WRITE (0x0009).
    public static let write = SMB2Command(rawValue: 0x0009)
    /// SMB2 LOCK (0x000A).
    public static let lock = SMB2Command(rawValue: 0x000A)
    /// SMB2 IOCTL (0x000B).
    public static let ioctl = SMB2Command(rawValue: 0x000B)
    /// SMB2 CANCEL (0x000C).
    public static let cancel = SMB2Command(rawValue: 0x000C)
    /// SMB2 ECHO (0x000D).
    public static let echo = SMB2Command(rawValue: 0x000D)
    /// SMB2 QUERY_DIRECTORY (0x000E).
    public static let queryDirectory = SMB2Command(rawValue: 0x000E)
    /// SMB2 CHANGE_NOTIFY (0x000F).
    public static let changeNotify = SMB2Command(rawValue: 0x000F)
    /// SMB2 QUERY_INFO (0x0010).
    public static let queryInfo = SMB2Command(rawValue: 0x0010)
    /// SMB2 SET_INFO (0x0011).
    public static let setInfo = SMB2Command(rawValue: 0x0011)
    /// SMB2 OPLOCK_BREAK (0x0012).
    public static let oplockBreak = SMB2Command(rawValue: 0x0012)

    /// The spec's name, or the hex value for an unknown command.
    public var description: String {
        let names = [
            "NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT", "CREATE", "CLOSE", "FLUSH",
            "READ", "WRITE", "LOCK", "IOCTL", "CANCEL", "ECHO", "QUERY_DIRECTORY", "CHANGE_NOTIFY", "QUERY_INFO",
            "SET_INFO", "OPLOCK_BREAK",
        ]
        return Int(rawValue) < names.count ? names[Int(rawValue)] : "0x" + String(rawValue, radix: 16)
    }
}
