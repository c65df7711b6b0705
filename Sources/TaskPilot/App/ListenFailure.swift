import Foundation
import NIOCore

/// A server that could not take its address; `description` is the one line start-up prints
/// instead of the error as NIO words it.
public struct ListenFailure: Error, Equatable, CustomStringConvertible {
    public let address: String
    public let reason: String

    /// `error` as a failure to listen on `host:port`, or nil when it is another error. A server
    /// meets system errors only while binding: after that it handles connection errors itself.
    public init?(_ error: any Error, host: String, port: Int) {
        switch error {
        case let error as IOError:
            reason = String(cString: strerror(error.errnoCode)).lowercased()
        case is SocketAddressError.UnknownHost:
            reason = "unknown host"
        default:
            return nil
        }
        address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public var description: String { "cannot listen on \(address): \(reason)" }
}
