#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOConcurrencyHelpers

/// Standard error, buffered: log lines gather in memory and one thread writes them out every
/// 20 ms, or at once when they reach 64 KiB or a line is a warning or worse. One `write(2)` per
/// line cost a quarter of the constant route's throughput. A crash can lose the last 20 ms of
/// info lines; `flush()` runs before the process exits normally.
public final class LogOutput: Sendable {
    public static let standardError = LogOutput(descriptor: STDERR_FILENO)

    private let descriptor: Int32
    private let pending = NIOLockedValueBox<[UInt8]>([])
    /// Serializes writers, so that a flush never interleaves with another's bytes.
    private let writing = NIOLock()
    private static let flushAt = 64 * 1024

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        let thread = Thread { [self] in
            while true {
                usleep(20_000)
                flush()
            }
        }
        thread.name = "taskpilot-log"
        thread.start()
    }

    /// Queues one line (ending with a newline); `urgent` writes it, and all before it, now.
    func write(_ line: String, urgent: Bool) {
        write(urgent: urgent) { $0.append(contentsOf: line.utf8) }
    }

    /// Queues the bytes `body` appends, written straight into the buffer (no line built first).
    func write(urgent: Bool, _ body: (inout [UInt8]) -> Void) {
        let full = pending.withLockedValue { buffer in
            body(&buffer)
            return buffer.count >= Self.flushAt
        }
        if urgent || full {
            flush()
        }
    }

    public func flush() {
        writing.withLock {
            let bytes = pending.withLockedValue { buffer -> [UInt8] in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }
}
