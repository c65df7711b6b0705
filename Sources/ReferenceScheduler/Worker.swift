import ServiceLifecycle

/// Advances the store's tasks every `tick` until graceful shutdown.
struct Worker: Service {
    let store: TaskStore
    let tick: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await store.advance()
                try? await Task.sleep(for: tick)
            }
        }
    }
}
