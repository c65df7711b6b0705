/// The database cannot be reached or cannot take the work now (a lost PostgreSQL connection, a
/// server refusing connections): a 503 that names storage, never a 500. `message` never carries
/// a password.
public struct StorageUnavailableError: Error, CustomStringConvertible {
    public let message: String

    public var description: String { message }
}
