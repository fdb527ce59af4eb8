import WardAnomaly
import WardCore

/// What a worker tells the detection coordinator (`--workers`), in the order it happened: each observation with
/// the packet time at which the worker made it, and the end of each epoch of the replay.
public enum DetectionChannelItem: Sendable {
    /// An observation made while the worker's clock read `madeAt`.
    case observation(Observation, madeAt: PacketTime)
    /// Every packet the reader sent before its epoch mark (at packet time `time`) has been processed.
    case epochEnd(PacketTime)
}
