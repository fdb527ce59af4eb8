/// Zeek's `conn_state` summary of a connection (Zeek `base/protocols/conn/main.zeek`), our public flow vocabulary.
public enum ConnectionState: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Connection attempt seen, no reply.
    case s0
    /// Established, not terminated.
    case s1
    /// Normal establishment and termination.
    case sf
    /// Connection attempt rejected (SYN answered by RST).
    case rej
    /// Established, close attempt by the originator only.
    case s2
    /// Established, close attempt by the responder only.
    case s3
    /// Established, originator aborted with RST.
    case rsto
    /// Responder sent RST.
    case rstr
    /// Originator sent SYN then RST, no SYN-ACK seen.
    case rstos0
    /// Responder sent SYN-ACK then RST, no SYN seen.
    case rstrh
    /// Originator sent SYN then FIN, no SYN-ACK seen.
    case sh
    /// Responder sent SYN-ACK then FIN, no SYN seen.
    case shr
    /// No SYN seen: midstream traffic that was not closed, or a non-TCP/UDP flow.
    case oth

    /// The Zeek name (`S0`, `SF`, `REJ`, ...).
    public var name: StaticString {
        switch self {
        case .s0: "S0"
        case .s1: "S1"
        case .sf: "SF"
        case .rej: "REJ"
        case .s2: "S2"
        case .s3: "S3"
        case .rsto: "RSTO"
        case .rstr: "RSTR"
        case .rstos0: "RSTOS0"
        case .rstrh: "RSTRH"
        case .sh: "SH"
        case .shr: "SHR"
        case .oth: "OTH"
        }
    }
}
