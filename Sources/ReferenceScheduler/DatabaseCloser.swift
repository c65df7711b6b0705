import SQLiteDB
import ServiceLifecycle

/// Does nothing until graceful shutdown, then closes the scheduler's database, which lets its
/// queued writes finish and checkpoints the WAL into the file.
struct DatabaseCloser: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        try await database.close()
    }
}
