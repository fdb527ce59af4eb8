import Glibc
import WardCapture

/// libFuzzer entry: the input as a capture file, read through WardWatch's record reader and through libpcap's. Both
/// must give the same packets (bytes, lengths, times) and stop at the same place with the same message; anything
/// else is a crash, so that libFuzzer keeps the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPcapFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard ftruncate(scratch, 0) == 0 else { fatalError("ftruncate: \(String(cString: strerror(errno)))") }
    var written = 0
    while written < size {
        let count = pwrite(scratch, data + written, size - written, off_t(written))
        guard count > 0 else { fatalError("pwrite: \(String(cString: strerror(errno)))") }
        written += count
    }
    let path = "/proc/self/fd/\(scratch)"
    let own = reads(path, libpcapReadsRecords: false)
    let libpcap = reads(path, libpcapReadsRecords: true)
    if own != libpcap {
        let first = zip(own, libpcap).enumerated().first { $1.0 != $1.1 }?.offset ?? min(own.count, libpcap.count)
        fatalError("read \(first + 1) differs: \(own.count > first ? own[first] : "nothing") against libpcap's "
            + "\(libpcap.count > first ? libpcap[first] : "nothing")")
    }
    return 0
}

/// The file each input is written to: created in shared memory and unlinked at once, so that only this process can
/// open it again, through `/proc/self/fd`, as a regular file with a name.
private let scratch: Int32 = {
    let path = "/dev/shm/wardwatch-fuzz-\(getpid()).pcap"
    let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else { fatalError("\(path): \(String(cString: strerror(errno)))") }
    unlink(path)
    return descriptor
}()

/// Each read of the file up to its end or first failure, at most 100,000: a packet as its length, wire length, time
/// and a checksum of its bytes, or how the reading ended.
private func reads(_ path: String, libpcapReadsRecords: Bool) -> [String] {
    let handle: PcapHandle
    do {
        handle = try PcapHandle.openOffline(path: path, libpcapReadsRecords: libpcapReadsRecords)
    } catch {
        return ["open: \(error.message)"]
    }
    var result: [String] = []
    while result.count < 100_000 {
        switch handle.next() {
        case .packet(let packet):
            var checksum: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in packet.bytes { checksum = (checksum ^ UInt64(byte)) &* 0x100_0000_01B3 }
            result.append("\(packet.bytes.count) \(packet.wireLength) \(packet.time) \(checksum)")
            continue
        case .end, .timeout:
            result.append("end")
        case .failed(let message):
            result.append("failed: \(message)")
        }
        break
    }
    return result
}
