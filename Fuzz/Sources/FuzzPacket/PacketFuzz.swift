import WardCore
import WardNames
import WardPacket

/// libFuzzer entry: every link type's decoder, the DNS question and TLS SNI parsers, on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPacket(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for linkType in [LinkType.ethernet, .linuxSLL, .linuxSLL2, .raw, .null, .loop] {
        let packet = PacketDecoder.decode(bytes.bytes, wireLength: size, linkType: linkType)
        if packet.payloadCapturedLength > 0 {
            _ = bytes.bytes.extracting(packet.payloadRange).byteCount
        }
    }
    _ = DNSQuestion.decode(bytes.bytes)
    _ = TLSClientHello.serverName(bytes.bytes)
    return 0
}
