// swift-tools-version: 6.1
import PackageDescription

// Modules read bottom-up (ARCHITECTURE.md): CKernels <- FolioTensor <- ModelFiles <- FolioModels <- FolioEmbedder <- folio.
// Tokenization stands beside them and imports only Foundation.
let package = Package(
    name: "Folio",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "folio", targets: ["FolioCLI"]),
        .library(name: "FolioEmbedder", targets: ["FolioEmbedder"]),
        .library(name: "Tokenization", targets: ["Tokenization"]),
        .library(name: "KnowledgeBase", targets: ["KnowledgeBase", "KnowledgeStore", "SQLiteStore"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // No default traits: swift-configuration support and full Foundation are not needed, and CI builds everything.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // Already a dependency of Hummingbird; named here for graceful shutdown on demand (no extra build).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        // Already under Hummingbird; named for NIOCore's error types (a body past its limit).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
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
        // Text extraction (PDF through poppler in a subprocess, HTML, Markdown, text, code) and chunking in model tokens.
        .target(name: "Ingestion"),
        // The storage protocol and domain types; the two stores implement it.
        .target(name: "KnowledgeStore"),
        // Hugging Face hub downloads into the huggingface_hub cache layout; Foundation only.
        .target(name: "ModelHub", dependencies: ["ContentHashing"]),
        // SHA-256 and the knowledge base's content hash, below both the downloader and the knowledge base.
        .target(name: "ContentHashing"),
        .target(name: "SQLiteStore", dependencies: ["KnowledgeStore", "CKernels", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "PostgresStore", dependencies: ["KnowledgeStore", .product(name: "PostgresNIO", package: "postgres-nio")]),
        // Use cases: ingest (extract -> chunk -> embed -> store), hybrid search, duplicates, the job queue.
        .target(name: "KnowledgeBase", dependencies: ["KnowledgeStore", "Ingestion", "FolioEmbedder", "ContentHashing"]),
        // Retrieval evaluation on BEIR folders through the knowledge base's own search (folio eval).
        .target(name: "Evaluation", dependencies: ["KnowledgeBase", "KnowledgeStore", "FolioEmbedder", "ContentHashing"]),
        .target(
            name: "HTTPServer",
            dependencies: [
                "FolioEmbedder", "KnowledgeBase", "KnowledgeStore", "Ingestion", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The page's sources; PageAssetsPlugin compiles them into PageAssets.swift at build time.
            exclude: ["Page"],
            plugins: ["PageAssetsPlugin"]),
        // Turns Sources/HTTPServer/Page/* into a Swift source for PageAssetsPlugin; a build tool, not shipped.
        .executableTarget(name: "PageAssetsGenerator"),
        .plugin(name: "PageAssetsPlugin", capability: .buildTool(), dependencies: ["PageAssetsGenerator"]),
        .executableTarget(
            name: "FolioCLI",
            dependencies: [
                "FolioEmbedder", "FolioModels", "FolioTensor", "HTTPServer", "KnowledgeBase", "KnowledgeStore", "SQLiteStore", "PostgresStore",
                "Ingestion", "ModelHub", "Evaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "KernelTests", dependencies: ["CKernels", "FolioTensor"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles", "FolioTensor"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization"]),
        .testTarget(name: "IngestionTests", dependencies: ["Ingestion", "Tokenization"]),
        .testTarget(name: "ModelHubTests", dependencies: ["ModelHub", "ContentHashing", .product(name: "Hummingbird", package: "hummingbird")]),
        .testTarget(name: "KnowledgeStoreTests", dependencies: ["KnowledgeStore", "SQLiteStore", "PostgresStore"]),
        .testTarget(
            name: "KnowledgeBaseTests",
            dependencies: [
                "KnowledgeBase", "KnowledgeStore", "SQLiteStore", "PostgresStore", "Ingestion", "FolioEmbedder", "FolioCLI",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "FolioEmbedder", "KnowledgeStore", "SQLiteStore"]),
        // Rerankers against the fixtures' transformers / sentence-transformers scores; no server stack.
        .testTarget(name: "RerankerTests", dependencies: ["FolioEmbedder", "FolioModels", "Tokenization"]),
        .testTarget(name: "EngineTests", dependencies: ["FolioCLI", "FolioEmbedder", "Evaluation", "KnowledgeStore", "SQLiteStore", "FolioModels", "ModelFiles", "Tokenization", "FolioTensor"]),
    ],
    swiftLanguageModes: [.v6]
)
