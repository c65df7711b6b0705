import NIOConcurrencyHelpers

/// Tells the event feed that a write which appended events has committed, so it reads them
/// at once instead of polling the table.
public final class ChangeSignal: Sendable {
    private let listener = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)

    public init() {}

    func onChange(_ body: @escaping @Sendable () -> Void) {
        listener.withLockedValue { $0 = body }
    }

    func changed() {
        listener.withLockedValue { $0 }?()
    }
}
