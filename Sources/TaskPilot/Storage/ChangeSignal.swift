import NIOConcurrencyHelpers

/// Tells the event feed that a write which appended events has committed, so it reads them
/// at once instead of polling the table.
public final class ChangeSignal: Sendable {
    /// The closure goes in a struct: a bare closure in the generic box is re-wrapped in a
    /// reabstraction thunk on every `inout` access, so that each call grew slower than the last.
    private struct Listener {
        let call: @Sendable () -> Void
    }

    private let listener = NIOLockedValueBox<Listener?>(nil)

    public init() {}

    func onChange(_ body: @escaping @Sendable () -> Void) {
        listener.withLockedValue { $0 = Listener(call: body) }
    }

    func changed() {
        listener.withLockedValue { $0 }?.call()
    }
}
