import CSQLite
import NIOConcurrencyHelpers
import NIOPosix

/// When `Database` runs `PRAGMA quick_check`, which reads every page of the file: about 4.5 s
/// for a million tasks with their observations and events.
public enum PageCheck: Sendable {
    /// Before `Database.init` returns, which refuses a damaged file.
    case beforeOpening
    /// Beside the lanes, on a read-only connection and a thread of its own, so that serving
    /// starts at once; a damaged file fails every read and write from the moment it is found.
    case beside
}

/// `PageCheck.beside`: one `PRAGMA quick_check` on a connection and thread of its own.
final class BackgroundPageCheck: Sendable {
    private let connection: Connection
    /// True until the check has ended and closed its connection; guards the interrupt against
    /// a closed handle.
    private let running = NIOLockedValueBox(true)
    /// What the check found: nil for a sound file, or for a check that was interrupted.
    let outcome: Task<SQLiteError?, Never>

    /// Opens the connection now, so that a file that cannot be opened fails `Database.init`;
    /// `found` hears of damage the moment the check ends.
    init(path: String, found: @escaping @Sendable (SQLiteError) -> Void) throws {
        let connection = try Connection(path: path, mode: .readOnly)
        let running = running
        self.connection = connection
        outcome = Task.detached {
            let thread = NIOThreadPool(numberOfThreads: 1)
            thread.start()
            let damage = try? await thread.runIfActive {
                Self.yieldToEveryOtherThread()
                return Self.damage(in: connection)
            }
            try? await thread.shutdownGracefully()
            running.withLockedValue { running in
                connection.close()
                running = false
            }
            if let damage = damage ?? nil { found(damage) }
            return damage ?? nil
        }
    }

    /// Ends a check still running; `sqlite3_interrupt` is safe from any thread.
    func interrupt() {
        running.withLockedValue { running in
            if running { sqlite3_interrupt(connection.handle) }
        }
    }

    /// Puts the calling thread in Linux's `SCHED_IDLE` class: the check reads on cores nothing
    /// else wants, so that the first requests after a restart do not share a core with it.
    private static func yieldToEveryOtherThread() {
        #if os(Linux)
        // SCHED_IDLE from <linux/sched.h>; Glibc's module leaves it out (it needs _GNU_SOURCE).
        let idle: Int32 = 5
        var parameters = sched_param()
        _ = pthread_setschedparam(pthread_self(), idle, &parameters)
        #endif
    }

    /// The damage the check reports, or the storage failure it ran into; nil when the file
    /// is sound or the check was interrupted.
    private static func damage(in connection: Connection) -> SQLiteError? {
        do {
            return try connection.pageDamage()
        } catch let error as SQLiteError where error.isStorageFailure {
            return error
        } catch {
            return nil
        }
    }
}

extension Connection {
    /// Runs `PRAGMA quick_check`: nil for a sound file, else its first three problems on one
    /// line (it reports them as rows of several lines), as the storage failure every caller sees.
    func pageDamage() throws -> SQLiteError? {
        let rows = try query("PRAGMA quick_check") { $0.string(0) }
        guard rows != ["ok"] else { return nil }
        let problems = rows.flatMap { $0.split(separator: "\n") }.filter { !$0.hasPrefix("*** in database") }
        return SQLiteError(code: SQLITE_CORRUPT, message: "PRAGMA quick_check failed: \(problems.prefix(3).joined(separator: "; "))")
    }
}
