/// Runs work one at a time per key: concurrent binds of one web task queue up behind each
/// other, while binds of different tasks run in parallel.
actor KeyedSerializer<Key: Hashable & Sendable> {
    /// For each busy key, the callers waiting for it, first come first served.
    private var waiting: [Key: [CheckedContinuation<Void, Never>]] = [:]

    func run<T: Sendable>(_ key: Key, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(key)
        do {
            let result = try await body()
            release(key)
            return result
        } catch {
            release(key)
            throw error
        }
    }

    private func acquire(_ key: Key) async {
        guard waiting[key] != nil else {
            waiting[key] = []
            return
        }
        await withCheckedContinuation { waiting[key, default: []].append($0) }
    }

    private func release(_ key: Key) {
        guard var queue = waiting[key], !queue.isEmpty else {
            waiting[key] = nil
            return
        }
        let next = queue.removeFirst()
        waiting[key] = queue
        next.resume()
    }
}
