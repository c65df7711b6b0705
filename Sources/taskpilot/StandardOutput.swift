#if canImport(Glibc)
import Glibc

private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin

private let systemWrite = Darwin.write
#endif

/// Standard output written with write(2). A reader that went away (`… | head`, a closed pipe)
/// is an answer, not a crash: FileHandle's write traps on EPIPE, and SwiftNIO ignores SIGPIPE.
enum StandardOutput {
    /// Writes every byte; false when the reader is gone.
    @discardableResult
    static func write(_ bytes: some Collection<UInt8>) -> Bool {
        var remaining = Array(bytes)[...]
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { systemWrite(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            remaining = remaining.dropFirst(written)
        }
        return true
    }
}
