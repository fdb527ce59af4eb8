import Foundation
import WardAnomaly
import WardCapture
import WardCore
import WardFlows
import WardOutput
import WardPacket

/// Replay over several cores (`--workers N`): one reader, N engines, one detection coordinator, one output thread.
///
/// The reader takes packets from the files in time order, decodes each once and puts it, decoded, into the
/// `PacketRing` of the worker its flow hashes to (a symmetric hash of the canonical flow key, so both directions of a
/// flow meet in one worker; packets without a flow go to worker 0). A packet of a file read into `ReadChunks` goes
/// in as its decoded header and where its bytes lie (a chunk is read again once every worker's ring is past its
/// packets); a packet from libpcap (pcapng, pipes) with its bytes copied after the header. Each worker owns its flow,
/// host, reassembly and analyzer state and writes its flow and protocol records to its own output ring; its
/// observations go to the `DetectionCoordinator`, which judges them in packet-time epochs marked by the reader. At the
/// end the workers' counters are added up and their host and MAC tables merged, so the statistics and host records
/// are those of a one-worker run; event lines come in a different interleaving.
enum ParallelReplay {
    /// Packets between two epoch marks: how far the detectors may lag behind the reader.
    static let epochPackets = 16_384
    /// Packets between two expiry ticks: as often as one engine expires flows.
    static let tickPackets = Engine.expiryInterval
    /// Bytes of each worker's packet ring.
    static let ringBytes = 8 << 20

    /// The header the reader puts before each packet's bytes in a worker's ring.
    struct WorkerPacket: BitwiseCopyable {
        var packet: DecodedPacket
        var wireLength: Int
        var time: PacketTime
        var mark: Mark
        /// The packet's bytes in a read chunk, or `nil` when they follow the header in the ring.
        var chunkBytes: UnsafeRawPointer? = nil
        var chunkByteCount = 0
    }

    /// What a ring record is: a packet, an expiry tick, or a tick that also ends an epoch.
    enum Mark: UInt8, BitwiseCopyable {
        case none, tick, epochEnd
    }

    static func run(
        source: inout FileReplay, workers count: Int, options: RunOptions, progress: (ReplayProgress) -> Void
    ) -> RunReport {
        let output = OutputThread(
            observer: options.observer, destination: options.events, syslog: options.syslog, metrics: options.metrics,
            producers: count + 1)
        output.start()
        let wantsEvents = options.events != nil || !options.syslog.isEmpty
        let channels = (0..<count).map { _ in SPSCRing<DetectionChannelItem>(minimumCapacity: 4_096) }
        let coordinator = DetectionCoordinator(
            detection: options.detection, channels: channels, output: wantsEvents ? output.rings[count] : nil,
            learningOnly: options.learnOnly)
        coordinator.start()
        let rings = (0..<count).map { _ in PacketRing<WorkerPacket>(byteCapacity: ringBytes) }
        let chunks = ReadChunks(
            count: options.replayChunks.count, chunkBytes: options.replayChunks.bytes,
            mark: { rings.map(\.producedBytes) },
            isReleased: { mark in zip(rings, mark).allSatisfy { ring, produced in ring.releasedBytes >= produced } })
        source.read(into: chunks)
        let shared = options.perWorker(count)
        let outcomes = (0..<count).map { worker in
            startWorker(
                ring: rings[worker], channel: channels[worker], output: wantsEvents ? output.rings[worker] : nil,
                configuration: shared.flowTable, analysis: shared.analysis, emitsFlows: options.emitFlows,
                name: "ww-worker-\(worker)")
        }

        var packets: UInt64 = 0
        var latest = PacketTime.zero
        while let (packet, linkType) = source.next() {
            let decoded = PacketDecoder.decode(
                packet.bytes.bytes, wireLength: packet.wireLength, linkType: LinkType(rawValue: linkType))
            let ring = rings[worker(for: decoded, of: count)]
            var header = WorkerPacket(packet: decoded, wireLength: packet.wireLength, time: packet.time, mark: .none)
            var frame = packet.bytes
            if chunks.contains(frame.baseAddress) {
                header.chunkBytes = frame.baseAddress
                header.chunkByteCount = frame.count
                frame = UnsafeRawBufferPointer(start: nil, count: 0)
            } else if frame.count > ring.maximumFrameLength {
                frame = UnsafeRawBufferPointer(rebasing: frame.prefix(ring.maximumFrameLength))
            }
            var wait = Backoff()
            while !ring.tryPush(header: header, frame: frame) { wait.pause() }
            latest = max(latest, packet.time)
            packets &+= 1
            if packets % UInt64(tickPackets) == 0 {
                mark(packets % UInt64(epochPackets) == 0 ? .epochEnd : .tick, at: latest, in: rings)
            }
            if packets & 0xFFFF == 0 {
                progress(ReplayProgress(bytesRead: source.bytesRead, totalBytes: source.totalBytes, packets: packets))
            }
        }
        progress(ReplayProgress(bytesRead: source.totalBytes, totalBytes: source.totalBytes, packets: packets))
        // A last mark brings every worker's clock to the end of the capture, as one engine's would be.
        mark(.epochEnd, at: latest, in: rings)
        for ring in rings { ring.close() }
        for outcome in outcomes { outcome.done.wait() }
        let detection = coordinator.finish()
        output.finish()

        let totals = RunTotals(
            merging: outcomes, coordinator: coordinator, detection: detection, keepsState: options.keepsState)
        return finishRun(totals, output: output, options: options, problems: source.problems)
    }

    /// A tick (or epoch end) in every worker at packet time `time` (the latest the reader has read).
    private static func mark(_ kind: Mark, at time: PacketTime, in rings: [PacketRing<WorkerPacket>]) {
        let mark = WorkerPacket(packet: DecodedPacket(), wireLength: 0, time: time, mark: kind)
        for ring in rings {
            var wait = Backoff()
            while !ring.tryPush(header: mark, frame: UnsafeRawBufferPointer(start: nil, count: 0)) { wait.pause() }
        }
    }

    /// The worker for a packet: a symmetric hash of its canonical flow key (as `FlowTable` forms it).
    static func worker(for packet: DecodedPacket, of count: Int) -> Int {
        guard count > 1, packet.network == .ipv4 || packet.network == .ipv6 else { return 0 }
        let hasPorts = packet.transport == .tcp || packet.transport == .udp
        let (key, _) = FlowKey.canonical(
            source: packet.sourceAddress, sourcePort: hasPorts ? packet.sourcePort : 0,
            destination: packet.destinationAddress, destinationPort: hasPorts ? packet.destinationPort : 0,
            ipProtocol: packet.ipProtocol, vlan: packet.vlan)
        let ports = UInt64(key.lowPort) << 32 | UInt64(key.highPort) << 16 | UInt64(key.ipProtocol)
        let first = (key.lowAddress.high ^ key.lowAddress.low ^ 0x9E37_79B9_7F4A_7C15)
            .multipliedFullWidth(by: key.highAddress.high ^ key.highAddress.low ^ 0xC2B2_AE3D_27D4_EB4F)
        let second = (first.high ^ first.low ^ ports).multipliedFullWidth(by: key.vlan.rawValue ^ 0x1656_67B1_9E37_79F9)
        return Int((second.high ^ second.low) % UInt64(count))
    }

    private static func startWorker(
        ring: PacketRing<WorkerPacket>, channel: SPSCRing<DetectionChannelItem>, output: SPSCRing<OutputEvent>?,
        configuration: FlowTableConfiguration, analysis: StreamAnalysisConfiguration, emitsFlows: Bool, name: String
    ) -> WorkerOutcome {
        let outcome = WorkerOutcome()
        let thread = Thread {
            ThreadName.set(name)
            var engine = Engine(
                configuration: configuration, analysis: analysis, detection: DetectionEngine(), ring: output,
                emitsFlows: emitsFlows, waitWhenFull: true)
            engine.detectionChannel = channel
            engine.expiresOnReaderTicks = true
            while true {
                guard let (header, frame) = ring.peek() else {
                    if ring.isClosed, ring.peek() == nil { break }
                    if ring.isClosed { continue }
                    usleep(50)
                    continue
                }
                let time = header.pointee.time
                switch header.pointee.mark {
                case .none:
                    // The decoded packet is read where the reader wrote it, not copied out of the ring first; its
                    // bytes where the file was read into, when they are not in the ring.
                    let bytes = header.pointee.chunkBytes.map {
                        UnsafeRawBufferPointer(start: $0, count: header.pointee.chunkByteCount)
                    } ?? frame
                    engine.process(&header.pointee.packet, frame: bytes.bytes, wireLength: header.pointee.wireLength,
                                   time: time)
                case .tick:
                    // The worker's clock follows the whole capture, so its flows time out as one engine's would.
                    engine.expiryTick(at: time)
                case .epochEnd:
                    engine.expiryTick(at: time)
                    engine.endEpoch(at: time)
                }
                ring.release()
            }
            engine.finish()
            channel.close()
            output?.close()
            outcome.complete(with: engine)
        }
        thread.start()
        return outcome
    }
}
