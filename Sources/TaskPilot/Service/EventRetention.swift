import Foundation
import Logging
import ServiceLifecycle

/// Prunes events older than the retention period: at start, then every hour.
struct EventRetention: Service {
    let repository: any TaskEventRepository
    let days: Int
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            repeat {
                await prune()
            } while (try? await Task.sleep(for: .seconds(3600))) != nil
        }
    }

    func prune() async {
        let cutoff = Date.now.addingTimeInterval(-Double(days) * 86_400)
        do {
            let pruned = try await repository.prune(before: ExecutionObservation.timestamp(cutoff))
            if pruned > 0 {
                logger.info("pruned events", metadata: ["count": "\(pruned)", "retentionDays": "\(days)"])
            }
        } catch where !Task.isCancelled {
            logger.warning("could not prune events", metadata: ["error": "\(error)"])
        } catch {
            // Cancelled: the application is stopping (or failed to start) and may have closed
            // the database under the prune; the next start prunes.
        }
    }
}
