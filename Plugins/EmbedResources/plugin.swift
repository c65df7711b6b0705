import Foundation
import PackagePlugin

/// Compiles `migrations/*.sql`, `migrations/postgres/*.sql` (named `postgres/…`), `openapi.yaml`
/// and the console (`Console/*`) into the target as Swift source, so the binary needs no file
/// beside it while those files stay the single source.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        func files(in folder: String, named prefix: String = "", extensions: Set<String>) throws -> [(name: String, url: URL)] {
            try FileManager.default
                .contentsOfDirectory(at: root.appending(path: folder), includingPropertiesForKeys: nil)
                .filter { extensions.contains($0.pathExtension) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
                .map { (prefix + $0.lastPathComponent, $0) }
        }
        let named = try files(in: "migrations", extensions: ["sql"])
            + files(in: "migrations/postgres", named: "postgres/", extensions: ["sql"])
            + [("openapi.yaml", root.appending(path: "openapi.yaml"))]
            + files(in: "Console", extensions: ["html", "css", "js"])
        let files = named.map(\.url)
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedResources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) resources",
                executable: try context.tool(named: "ResourceEmbedder").url,
                arguments: [output.path] + named.flatMap { [$0.name, $0.url.path] },
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
