import HTTPTypes
import Hummingbird

extension Router {
    /// For every path the router serves, answers the methods it does not serve with 405 and
    /// an `Allow` header, where Hummingbird on its own would answer 404. Call after adding routes.
    /// The methods of RFC 9110 and PATCH, plus QUERY (the safe query method being standardized).
    private static var knownMethods: [HTTPRequest.Method] {
        [.get, .head, .post, .put, .delete, .patch, .options, .trace, HTTPRequest.Method("QUERY")!]
    }

    func addMethodNotAllowedRoutes() {
        let served = Dictionary(grouping: routes, by: { $0.path.description })
        for (_, routes) in served {
            var methods = Set(routes.map(\.method))
            // The router answers HEAD wherever it answers GET (`.autoGenerateHeadEndpoints`).
            if methods.contains(.get) {
                methods.insert(.head)
            }
            let allowed = methods.map(\.rawValue).sorted()
            for method in Self.knownMethods where !methods.contains(method) {
                on(routes[0].path, method: method) { _, _ -> Response in
                    throw TaskPilotError.methodNotAllowed(allowed: allowed)
                }
            }
        }
    }
}
