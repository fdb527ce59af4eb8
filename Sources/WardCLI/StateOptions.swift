import ArgumentParser
import Foundation
import WardAnomaly
import WardEngine
import WardState

/// `--state`: the state DB that keeps learned baselines and the device inventory across runs.
struct StateOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The state DB (SQLite): learned inventory and baselines are loaded at start and saved at the end.",
            valueName: "state.db"))
    var state: String?

    /// Opens the state DB when one is given; a damaged or unusable file is bad input (exit 1).
    func open() throws -> StateStore? {
        guard let state else { return nil }
        do {
            return try StateStore(path: state)
        } catch {
            throw InputFailure(message: error.description)
        }
    }

    /// Loads what earlier runs learned into `detection`; returns the store to save into at the end.
    func restore(into detection: inout DetectionEngine) throws -> StateStore? {
        guard let store = try open() else { return nil }
        do {
            detection.restore(try store.loadLearned())
        } catch {
            throw InputFailure(message: error.description)
        }
        return store
    }
}

extension StateStore {
    /// Saves a run's snapshot; a failure is bad input (exit 1) with the reason.
    func save(_ snapshot: StateSnapshot, vendors: MACVendors) throws {
        do {
            try save(learned: snapshot.learned, macs: snapshot.macs, hosts: snapshot.hosts, vendors: vendors)
        } catch {
            throw InputFailure(message: error.description)
        }
    }
}
