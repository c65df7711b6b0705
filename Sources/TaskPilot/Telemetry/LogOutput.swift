#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOConcurrencyHelpers

/// Standard error, buffered per thread: each thread appends its log lines to a buffer of its
/// own, and one thread writes them all out every 100 ms, or at once when a buffer reaches
/// 256 KiB or a line is a warning or worse. One `write(2)` per line, and then one lock shared by
/// every thread, each cost a sixth of the constant route's throughput; with the log on the
/// database's file system, writing every 20 ms instead of 100 cost durable creates 9 % (the
/// file system's journal commits the log's growth with each of the database's syncs).
///
/// Lines from different threads within one 100 ms window may come out of time order; each
/// carries its time. A crash can lose the last 100 ms of info lines; `flush()` runs before the
/// process exits normally.
public final class LogOutput: Sendable {
    public static let standardError = LogOutput(descriptor: STDERR_FILENO)

    private let descriptor: Int32
    private let key: pthread_key_t
    private let buffers = NIOLockedValueBox<[ThreadBuffer]>([])
    /// Serializes flushes, so that one flush's bytes never interleave with another's.
    private let writing = NIOLock()
    private static let flushAt = 256 * 1024

    /// One thread's pending lines. Its lock is taken by that thread for every line and by the
    /// flush every 20 ms: hardly ever contended.
    final class ThreadBuffer: @unchecked Sendable {
        let lock = NIOLock()
        var bytes: [UInt8] = []
        private var second: time_t = -1
        private var localTime: [UInt8] = []

        /// Local time to the second (`2026-11-27T07:27:20+0000`), formatted once a second.
        func textTimestamp() -> [UInt8] {
            let now = time(nil)
            if now != second {
                second = now
                localTime = Self.format(now)
            }
            return localTime
        }

        private static func format(_ second: time_t) -> [UInt8] {
            var now = second
            var parts = tm()
            localtime_r(&now, &parts)
            var buffer = [Int8](repeating: 0, count: 32)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
            return buffer.prefix(count).map { UInt8(bitPattern: $0) }
        }
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        self.key = key
        let thread = Thread { [self] in
            while true {
                usleep(100_000)
                flush()
            }
        }
        thread.name = "taskpilot-log"
        thread.start()
    }

    /// Queues one line (ending with a newline); `urgent` writes it, and all before it, now.
    func write(_ line: String, urgent: Bool) {
        write(urgent: urgent) { out, _ in out.append(contentsOf: line.utf8) }
    }

    /// Queues the bytes `body` appends to this thread's buffer (no line is built first).
    func write(urgent: Bool, _ body: (inout [UInt8], ThreadBuffer) -> Void) {
        let buffer = threadBuffer()
        let full = buffer.lock.withLock {
            body(&buffer.bytes, buffer)
            return buffer.bytes.count >= Self.flushAt
        }
        if urgent || full {
            flush()
        }
    }

    public func flush() {
        writing.withLock {
            for buffer in buffers.withLockedValue({ $0 }) {
                let bytes = buffer.lock.withLock { () -> [UInt8] in
                    defer { buffer.bytes.removeAll(keepingCapacity: true) }
                    return buffer.bytes
                }
                write(bytes)
            }
        }
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// This thread's buffer, made on its first line. Threads here (event loops, the concurrency
    /// pool, the database lanes) live as long as the process, so buffers are never freed.
    private func threadBuffer() -> ThreadBuffer {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<ThreadBuffer>.fromOpaque(existing).takeUnretainedValue()
        }
        let made = ThreadBuffer()
        pthread_setspecific(key, Unmanaged.passRetained(made).toOpaque())
        buffers.withLockedValue { $0.append(made) }
        return made
    }
}
