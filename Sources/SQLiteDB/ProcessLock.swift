import CSQLite
import Foundation

/// An exclusive `flock` on a database file, held while the process has the file open.
///
/// Only one process may write a TaskPilot database: the per-task serialization of binds lives
/// in memory, so two processes on one file could each create a DTP task for the same web task.
/// `flock` is released by the kernel when the holder exits however it exits (SIGKILL included),
/// so a crash never leaves a stale lock behind; and it does not interfere with SQLite's own
/// POSIX record locks on the same file.
final class ProcessLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock on `path` (which must exist), or throws `DatabaseLockedError`.
    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot open the file: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let lockErrno = errno
            close(descriptor)
            guard lockErrno == EWOULDBLOCK else {
                throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot lock the file: \(String(cString: strerror(lockErrno)))")
            }
            throw DatabaseLockedError(path: path, holder: Self.holder(of: path))
        }
        self.descriptor = descriptor
    }

    func release() {
        close(descriptor)
    }

    /// The pid holding a `flock` on `path`, from `/proc/locks` (Linux), if it can be told.
    static func holder(of path: String) -> Int32? {
        var info = stat()
        // /proc files report a size of 0, so they are read to their end rather than by size.
        guard stat(path, &info) == 0, let data = FileHandle(forReadingAtPath: "/proc/locks")?.readDataToEndOfFile() else {
            return nil
        }
        let locks = String(decoding: data, as: UTF8.self)
        // Lines read "1: FLOCK  ADVISORY  WRITE 4242 00:2a:123456 0 EOF"; the device is in hex.
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]) else { continue }
            let file = fields[5].split(separator: ":")
            guard file.count == 3, let major = UInt64(file[0], radix: 16), let minor = UInt64(file[1], radix: 16),
                  let inode = UInt64(file[2])
            else { continue }
            // glibc's major()/minor() are macros Swift cannot call; this is their definition.
            let device = UInt64(info.st_dev)
            let deviceMajor = ((device >> 8) & 0xFFF) | ((device >> 32) & ~0xFFF)
            let deviceMinor = (device & 0xFF) | ((device >> 12) & ~0xFF)
            if inode == UInt64(info.st_ino), major == deviceMajor, minor == deviceMinor {
                return pid
            }
        }
        return nil
    }
}

/// Another process holds the database file.
public struct DatabaseLockedError: Error, Equatable, CustomStringConvertible {
    public let path: String
    /// The holder's process id, when the system tells it.
    public let holder: Int32?

    public var description: String {
        let who = holder.map { "process \($0)" } ?? "another process"
        return "\(path) is in use by \(who); only one TaskPilot may use a database file at a time"
    }
}
