#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers

/// Metric handles by their label values, found without a lock that every request shares: each
/// thread keeps a dictionary of its own, filled on a miss from the shared one, where each handle
/// is made once. (The shared lock, taken twice a request on the read-through, was contended by
/// every event loop and pool thread.)
final class HandleCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let shared = NIOLockedValueBox<[Key: Value]>([:])
    private let key: pthread_key_t

    private final class Local: @unchecked Sendable {
        // Read and written by one thread only: the one whose key slot holds it.
        var values: [Key: Value] = [:]
    }

    init() {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        self.key = key
    }

    deinit {
        pthread_key_delete(key)
    }

    func value(for wanted: Key, make: () -> Value) -> Value {
        let local: Local
        if let slot = pthread_getspecific(key) {
            local = Unmanaged<Local>.fromOpaque(slot).takeUnretainedValue()
        } else {
            local = Local()
            pthread_setspecific(key, Unmanaged.passRetained(local).toOpaque())
        }
        if let found = local.values[wanted] {
            return found
        }
        let value = shared.withLockedValue { values in
            if let found = values[wanted] { return found }
            let made = make()
            values[wanted] = made
            return made
        }
        local.values[wanted] = value
        return value
    }
}
