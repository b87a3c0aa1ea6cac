// swift-tools-version: 6.1
import PackageDescription

// Modules read bottom-up (../shared/STYLE.md): CKernels <- FolioTensor <- ModelFiles <- FolioModels <- FolioEmbedder <- folio.
// Tokenization stands beside them and imports only Foundation.
let package = Package(
    name: "Folio",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "folio", targets: ["FolioCLI"]),
        .library(name: "FolioEmbedder", targets: ["FolioEmbedder"]),
        .library(name: "Tokenization", targets: ["Tokenization"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // No default traits: swift-configuration support and full Foundation are not needed, and CI builds everything.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // Already a dependency of Hummingbird; named here for graceful shutdown on demand (no extra build).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
    ],
    targets: [
        // No unsafe flags: the package stays usable as a dependency. SIMD paths use per-function
        // __attribute__((target(...))) and are chosen at run time.
        .target(name: "CKernels"),
        .target(name: "FolioTensor", dependencies: ["CKernels"]),
        .target(name: "ModelFiles", dependencies: ["FolioTensor"]),
        .target(name: "Tokenization"),
        .target(name: "FolioModels", dependencies: ["FolioTensor", "ModelFiles"]),
        .target(name: "FolioEmbedder", dependencies: ["FolioModels", "ModelFiles", "Tokenization", "FolioTensor"]),
        .target(
            name: "HTTPServer",
            dependencies: [
                "FolioEmbedder", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "FolioCLI",
            dependencies: ["FolioEmbedder", "HTTPServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "KernelTests", dependencies: ["CKernels", "FolioTensor"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles", "FolioTensor"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "FolioEmbedder"]),
        .testTarget(name: "EngineTests", dependencies: ["FolioCLI", "FolioEmbedder", "FolioModels", "ModelFiles", "Tokenization", "FolioTensor"]),
    ],
    swiftLanguageModes: [.v6]
)
