import WardCore

/// A fact the engine reports to the detectors: small values only, no packet bytes, packet time only.
///
/// The engine produces these from its flow table and protocol analyzers; `DetectionEngine.observe(_:)` routes each one
/// to the detectors that use it. Strings are short identifiers (AE titles, share and file names, host names), never
/// patient data.
public enum Observation: Sendable {
    /// A MAC address seen for the first time by the engine's host table (`fromARP`: learned from an ARP packet).
    case newMAC(mac: MACAddress, address: IPAddress, vlan: VLANTags, time: PacketTime, fromARP: Bool)
    /// One ARP packet (RFC 826): `operation` 1 = request, 2 = reply; `frameSource` is the Ethernet source address.
    case arp(
        operation: UInt16, senderMAC: MACAddress, senderAddress: IPAddress, targetAddress: IPAddress,
        frameSource: MACAddress, vlan: VLANTags, time: PacketTime)
    /// A new flow (the originator's first packet, e.g. the SYN).
    case flowStarted(
        originator: IPAddress, responder: IPAddress, responderPort: UInt16, ipProtocol: UInt8, vlan: VLANTags,
        time: PacketTime, uid: UInt64)
    /// A flow ended; `failed` for Zeek states REJ, S0 and RSTOS0 (nobody answered or the port was closed).
    case flowEnded(
        originator: IPAddress, responder: IPAddress, responderPort: UInt16, ipProtocol: UInt8, failed: Bool,
        bytes: UInt64, time: PacketTime, uid: UInt64)
    /// An SMB tree connect to `share` (the share name without the `\\server\` prefix, e.g. `ADMIN$`, `IPC$`).
    case smbTree(client: IPAddress, server: IPAddress, share: String, time: PacketTime, uid: UInt64)
    /// An SMB file handle closed: what was done to it. `writeEntropy` is Shannon entropy in bits per byte of a sample
    /// of the written data; `overwrote` when an existing file's content was replaced (overwrite disposition or
    /// writes into an existing file); `renamedTo` the new name after a rename; `deleted` when deleted on close.
    case smbFile(
        client: IPAddress, server: IPAddress, share: String, name: String, bytesWritten: UInt64,
        writeEntropy: Double?, overwrote: Bool, renamedTo: String?, deleted: Bool, time: PacketTime, uid: UInt64)
    /// An SMB session at its end: dialect, whether SMB1 was spoken, whether SMB3 encryption is on, and the bytes
    /// carried in transform (encrypted) messages.
    case smbSession(
        client: IPAddress, server: IPAddress, dialect: String?, smb1: Bool, encrypted: Bool, transformBytes: UInt64,
        time: PacketTime, uid: UInt64)
    /// One large SMB3 encrypted (TRANSFORM) message: direction and plaintext size (OriginalMessageSize), the only
    /// facts encryption leaves visible.
    case smbEncryptedMessage(
        client: IPAddress, server: IPAddress, fromClient: Bool, size: UInt32, time: PacketTime, uid: UInt64)
    /// One DICOM association (DICOM PS3.8) at its end: AE titles (trimmed), DIMSE command counts (`C-STORE-RQ` → n),
    /// instances stored over it (C-STORE sub-operations), C-MOVE destination AE titles, bytes.
    case dicomAssociation(
        calling: IPAddress, called: IPAddress, callingAE: String, calledAE: String, commandCounts: [(String, Int)],
        instancesStored: Int, moveDestinations: [String], bytes: UInt64, time: PacketTime, uid: UInt64)
    /// One HL7 v2 message header (MSH-3 sending application, MSH-4 sending facility, MSH-9 type).
    case hl7Message(
        sender: IPAddress, receiver: IPAddress, sendingApplication: String, sendingFacility: String,
        messageType: String, time: PacketTime, uid: UInt64)
    /// A DNS query name.
    case dnsQuery(client: IPAddress, name: String, time: PacketTime, uid: UInt64)
    /// A TLS ClientHello server name (SNI).
    case tlsServerName(client: IPAddress, name: String, time: PacketTime, uid: UInt64)
}
