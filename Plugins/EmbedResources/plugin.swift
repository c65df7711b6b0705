import Foundation
import PackagePlugin

/// Compiles `migrations/*.sql`, `openapi.yaml` and the console (`Console/*`) into the target as
/// Swift source, so the binary needs no file beside it while those files stay the single source.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let migrations = try FileManager.default
            .contentsOfDirectory(at: root.appending(path: "migrations"), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let console = try FileManager.default
            .contentsOfDirectory(at: root.appending(path: "Console"), includingPropertiesForKeys: nil)
            .filter { ["html", "css", "js"].contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let files = migrations + [root.appending(path: "openapi.yaml")] + console
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedResources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) resources",
                executable: try context.tool(named: "ResourceEmbedder").url,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
