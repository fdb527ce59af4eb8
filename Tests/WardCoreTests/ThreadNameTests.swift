import Foundation
import Synchronization
import Testing
import WardCore

@Suite struct ThreadNameTests {
    /// A thread that names itself at once is named so (Foundation's `Thread.current.name` could be lost there), and a
    /// long name is cut to the 15 bytes Linux keeps.
    @Test func aThreadNamesItselfAtOnce() throws {
        for name in ["ww-test", "ww-a-name-longer-than-fifteen"] {
            let seen = Mutex<String?>(nil)
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                ThreadName.set(name)
                let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
                seen.withLock { $0 = comm?.trimmingCharacters(in: .newlines) }
                done.signal()
            }
            thread.start()
            done.wait()
            #expect(seen.withLock { $0 } == String(name.prefix(15)))
        }
    }
}
