import Logging
import ServiceLifecycle
import SQLiteDB

/// Logs what the check of the SQLite file's pages, run beside the first requests, found. Damage
/// fails every read and write from then on (`503`, and `/api/health` DOWN) until TaskPilot
/// restarts on a repaired file.
struct SQLitePageCheckReport: Service {
    let database: Database
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            if let damage = await database.pageCheckOutcome() {
                logger.error(
                    "database is damaged; every read and write answers 503 until TaskPilot restarts on a repaired file",
                    metadata: ["db": "\(database.path)", "error": "\(damage.message)"]
                )
            }
            // A service that returns stops the application.
            try? await gracefulShutdown()
        }
    }
}
