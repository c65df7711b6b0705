import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SQLiteDB

/// Turns every error a route throws into TaskPilot's JSON error body, so a client never sees
/// Hummingbird's own format or an internal detail. Unexpected errors become a logged 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as TaskPilotError {
            return JSONResponse.error(error.status, message: error.message, path: request.uri.path, headers: error.headers)
        } catch let unavailable as ExecutionUnavailableError {
            let error = unavailable.error
            return JSONResponse.error(
                error.status, message: error.message, path: request.uri.path, headers: error.headers,
                extra: ["lastObserved": unavailable.lastObserved?.json ?? "null"]
            )
        } catch is NIOTooManyBytesError {
            return JSONResponse.error(.contentTooLarge, message: "Request body is larger than \(maxBodyBytes) bytes", path: request.uri.path)
        } catch let error as HTTPError {
            return JSONResponse.error(error.status, message: error.body ?? error.status.reasonPhrase, path: request.uri.path, headers: error.headers)
        } catch let error as any HTTPResponseError {
            return JSONResponse.error(error.status, message: error.status.reasonPhrase, path: request.uri.path)
        } catch let error as SQLiteError where error.isStorageFailure {
            context.logger.error("storage failure", metadata: Self.about(request, ["error": "\(error)"]))
            return JSONResponse.error(.serviceUnavailable, message: "Storage is unavailable: \(error.message)", path: request.uri.path)
        } catch let error as StorageUnavailableError {
            context.logger.error("storage unavailable", metadata: Self.about(request, ["error": "\(error)"]))
            return JSONResponse.error(.serviceUnavailable, message: "Storage is unavailable: \(error.message)", path: request.uri.path)
        } catch is HTTPParserError {
            // The body was cut off, nearly always by a client that went away mid-request: nobody
            // reads this answer, and it is no error of ours.
            context.logger.debug("request body cut off", metadata: Self.about(request))
            return JSONResponse.error(.badRequest, message: "The request body was cut off", path: request.uri.path)
        } catch {
            context.logger.error("unhandled error", metadata: Self.about(request, ["error": "\(String(reflecting: error))"]))
            return JSONResponse.error(.internalServerError, message: "Internal server error", path: request.uri.path)
        }
    }

    /// A log line's metadata about `request`: its path and its id.
    private static func about(_ request: Request, _ metadata: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = metadata
        metadata["path"] = "\(request.uri.path)"
        if let trace = RequestTrace.current {
            metadata["request.id"] = "\(trace.requestId)"
        }
        return metadata
    }
}
