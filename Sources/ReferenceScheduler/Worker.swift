import Logging
import ServiceLifecycle

/// Advances the store's tasks every `tick` until graceful shutdown.
struct Worker: Service {
    let store: TaskStore
    let tick: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.advance()
                } catch {
                    // Nothing was applied; the next tick tries the same steps again.
                    logger.error("could not save the worker's changes", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: tick)
            }
        }
    }
}
