import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The transport for an `http://` DTP: keep-alive HTTP/1.1 connections on SwiftNIO's own
/// codecs. AsyncHTTPClient did the same job at about twice the CPU per call (its request
/// preparation, tracing attributes, pool state machine and streamed body, all per call).
///
/// A call takes the most recently used idle connection, or opens one: there are never more
/// connections than calls in flight at once, which the gateway's admission bounds, and an
/// admitted call never waits for a connection (a wait that would count against its timeout).
final class SchedulerConnectionPool: SchedulerTransport {
    private let group: any EventLoopGroup
    private let baseURL: String
    private let host: String
    private let port: Int
    private let hostHeader: String
    private let pathPrefix: String
    private let timeoutMilliseconds: Int
    private let maxResponseBytes: Int
    private let idleTimeout: TimeAmount
    private let state = NIOLockedValueBox(State())

    private struct State {
        var idle: [SchedulerConnection] = []
        var all: [ObjectIdentifier: SchedulerConnection] = [:]
        var shutDown = false
    }

    /// `baseURL` is an `http://` URL, checked by the configuration.
    init(
        baseURL: String, timeoutMilliseconds: Int, maxResponseBytes: Int,
        idleTimeout: TimeAmount = .seconds(60), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        let components = URLComponents(string: baseURL)
        var host = components?.host ?? "127.0.0.1"
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        let port = components?.port ?? 80
        self.group = group
        self.baseURL = baseURL
        self.host = host
        self.port = port
        self.hostHeader = (host.contains(":") ? "[\(host)]" : host) + (components?.port.map { ":\($0)" } ?? "")
        self.pathPrefix = components?.percentEncodedPath ?? ""
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
        self.idleTimeout = idleTimeout
    }

    func send(_ request: SchedulerRequest, timeout: TimeAmount) async throws(SchedulerError) -> SchedulerResponse {
        let deadline = NIODeadline.now() + timeout
        var outgoing = request
        outgoing.path = pathPrefix + request.path
        outgoing.headers.add(name: "Host", value: hostHeader)
        // A connection that closed before the request went out, or a reused one the DTP closed
        // while a GET was on its way (it had been idle), is not the DTP failing: send again.
        var attempts = 0
        var reused = false
        while true {
            attempts += 1
            do {
                let connection: SchedulerConnection
                (connection, reused) = try await lease(deadline: deadline)
                let (response, reusable) = try await connection.send(outgoing, deadline: deadline)
                if reusable {
                    release(connection)
                }
                return response
            } catch SchedulerConnectionFailure.notSent where attempts < 3 {
                continue
            } catch SchedulerConnectionFailure.closedBeforeAnswer where reused && attempts < 2 && request.method == .GET {
                continue
            } catch {
                throw classify(error)
            }
        }
    }

    func shutdown() async throws {
        let connections = state.withLockedValue { state in
            state.shutDown = true
            return Array(state.all.values)
        }
        for connection in connections {
            connection.close()
            try? await connection.channel.closeFuture.get()
        }
    }

    /// The most recently used idle connection, or a new one.
    private func lease(deadline: NIODeadline) async throws -> (SchedulerConnection, reused: Bool) {
        let leased: SchedulerConnection? = try state.withLockedValue { state in
            guard !state.shutDown else {
                throw SchedulerError.unreachable(url: baseURL, cause: "TaskPilot is shutting down")
            }
            // One the DTP closed while it sat idle may not have been forgotten yet.
            while let connection = state.idle.popLast() {
                if connection.channel.isActive { return connection }
            }
            return nil
        }
        if let leased {
            return (leased, true)
        }
        let connection = try await connect(on: group.next(), deadline: deadline)
        let open = state.withLockedValue { state in
            guard !state.shutDown else { return false }
            state.all[ObjectIdentifier(connection)] = connection
            return true
        }
        guard open else {
            connection.close()
            throw SchedulerError.unreachable(url: baseURL, cause: "TaskPilot is shutting down")
        }
        connection.channel.closeFuture.whenComplete { _ in self.forget(connection) }
        return (connection, false)
    }

    private func connect(on eventLoop: any EventLoop, deadline: NIODeadline) async throws -> SchedulerConnection {
        let maxResponseBytes = maxResponseBytes
        let idleTimeout = idleTimeout
        let remaining = deadline - .now()
        guard remaining > .zero else {
            throw SchedulerConnectionFailure.timedOut
        }
        return try await ClientBootstrap(group: eventLoop)
            .connectTimeout(remaining)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // No outbound header validation: every header TaskPilot sends is its own or
                    // was read from a request by a parser that refuses what the validator would.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(
                        SchedulerCallHandler(maxResponseBytes: maxResponseBytes, idleTimeout: idleTimeout, eventLoop: channel.eventLoop)
                    )
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                SchedulerConnection(channel: channel, handler: try channel.pipeline.syncOperations.handler(type: SchedulerCallHandler.self))
            }
            .get()
    }

    private func release(_ connection: SchedulerConnection) {
        let keep = state.withLockedValue { state in
            guard !state.shutDown, state.all[ObjectIdentifier(connection)] != nil else { return false }
            state.idle.append(connection)
            return true
        }
        if !keep {
            connection.close()
        }
    }

    private func forget(_ connection: SchedulerConnection) {
        state.withLockedValue { state in
            state.all.removeValue(forKey: ObjectIdentifier(connection))
            state.idle.removeAll { $0 === connection }
        }
    }

    private func classify(_ error: any Error) -> SchedulerError {
        switch error as? SchedulerConnectionFailure {
        case .timedOut?:
            return .timedOut(url: baseURL, milliseconds: timeoutMilliseconds)
        case .tooLarge?:
            return .unreadable(url: baseURL, cause: "the answer is larger than \(maxResponseBytes) bytes")
        case .notSent?, .closedBeforeAnswer?:
            return .unreachable(url: baseURL, cause: "the connection was closed before a complete answer")
        case nil:
            return .transportFailure(error, url: baseURL, timeoutMilliseconds: timeoutMilliseconds)
        }
    }
}
