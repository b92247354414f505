// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "cfg",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cfg", targets: ["cfg"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Layers as in docs/development.md ("Architecture"); a target imports only targets of lower layers.
        // Layer 1: C libraries, wrapped once each.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // libyaml's event parser: only CfgConfig imports it (environment files).
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // libcurl, libpq and hiredis are not linked: each is opened with dlopen the first time it is needed (their
        // headers come from libcurl4-openssl-dev, libpq-dev and libhiredis-dev), so that a local render, keygen or
        // check starts without loading them and their dependencies.
        .target(name: "CLazyLibrary"),
        .target(name: "CCurl", dependencies: ["CLazyLibrary"]),
        // Rotation's targets: PostgreSQL's libpq and Redis's hiredis (only CfgAppliers imports them).
        .target(name: "CPostgres", dependencies: ["CLazyLibrary"]),
        .target(name: "CRedis", dependencies: ["CLazyLibrary"]),
        // prctl(2), signal handlers and fork/exec, which Swift cannot write safely; CfgProcess imports it, and
        // CfgAWSAuth for the one spawn it needs (`credential_process`).
        .target(name: "CProcess"),
        // cfg's version and the commit it was built from (the stamp `make build-release` writes); only CfgVersion
        // imports it.
        .target(name: "CBuildInfo"),
        // statfs(2), which Swift's Glibc module does not export (the file system type of the secrets directory).
        .systemLibrary(name: "CFileSystem"),
        // Layer 2: secure primitives (the only importer of CSodium and CFileSystem).
        .target(name: "CfgSecure", dependencies: ["CSodium", "CFileSystem"]),
        // Layer 3: HTTP transport (the only importer of CCurl).
        .target(name: "CfgHTTP", dependencies: ["CCurl", "CfgSecure"]),
        // Layer 4: AWS auth: SigV4, the credential chain, STS and the shared config files; it knows no secrets backend.
        .target(name: "CfgAWSAuth", dependencies: ["CfgHTTP", "CfgSecure", "CProcess"]),
        // Layer 5: backends behind one protocol; each owns its settings, none reads the environment file or imports
        // another backend.
        .target(name: "CfgBackend", dependencies: ["CfgSecure"]),
        .target(name: "CfgLocal", dependencies: ["CfgBackend", "CfgSecure"]),
        .target(name: "CfgVault", dependencies: ["CfgBackend", "CfgHTTP", "CfgSecure", "CfgAWSAuth"]),
        // AWS Secrets Manager.
        .target(name: "CfgAWS", dependencies: ["CfgBackend", "CfgHTTP", "CfgSecure", "CfgAWSAuth"]),
        // Layer 6: environment files, the template core (pure), the renderers; below them the one rule of "did you
        // mean" every layer-6 module applies (no dependencies).
        .target(name: "CfgSuggestion"),
        .target(name: "CfgConfig", dependencies: ["CfgSuggestion", "CfgSecure", "CLibYAML"]),
        .target(name: "CfgTemplate", dependencies: ["CfgSuggestion"]),
        .target(name: "CfgRender", dependencies: ["CfgTemplate", "CfgConfig"]),
        // Layer 7: the engine: one pipeline (plan, fetch once, evaluate, outputs), init, the adapter from environment
        // files to backend settings.
        .target(
            name: "CfgEngine",
            dependencies: [
                "CfgBackend", "CfgLocal", "CfgVault", "CfgAWS", "CfgAWSAuth", "CfgHTTP", "CfgConfig", "CfgTemplate",
                "CfgRender", "CfgSecure", "CfgSuggestion",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Layer 8: rotation: the staged protocol as a pure state machine (no I/O) and the Fernet key list.
        .target(name: "CfgRotation", dependencies: ["CfgBackend", "CfgSecure"]),
        // The rotation targets that change a credential where it is used: PostgreSQL roles, Redis ACL users.
        .target(name: "CfgAppliers", dependencies: ["CPostgres", "CRedis", "CfgRotation", "CfgSecure"]),
        // Layer 9: process: exec, spawn, signal forwarding, reaping, the supervisor state machine and loop, lease keeping.
        .target(
            name: "CfgProcess",
            dependencies: [
                "CProcess", "CfgEngine", "CfgBackend", "CfgSecure", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `cfg version`: cfg's version and commit, and the versions of the C libraries from the layers that own them.
        .target(name: "CfgVersion", dependencies: ["CBuildInfo", "CfgAppliers", "CfgConfig", "CfgHTTP", "CfgSecure"]),
        // `cfg rotate`: policies from the environment file to runners, the command hook, the report.
        .target(
            name: "CfgRotate",
            dependencies: [
                "CfgProcess", "CfgEngine", "CfgRotation", "CfgAppliers", "CfgConfig", "CfgBackend", "CfgSecure",
                "CfgSuggestion",
            ]
        ),
        // Layer 10: the thin executable: argument parsing and the one mapping from errors to exit codes.
        .executableTarget(
            name: "cfg",
            dependencies: [
                "CfgProcess", "CfgRotate", "CfgRotation", "CfgEngine", "CfgSecure", "CfgConfig", "CfgBackend",
                "CfgVersion", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fuzz targets: one entry function per parser of untrusted input. `make fuzz` builds the cfg-fuzz executable
        // with libFuzzer into .build-fuzz; the ordinary build makes it a replay tool, and CfgFuzzTests replays the
        // committed corpora (Tests/Fuzz/corpus) through the same functions.
        .target(
            name: "CfgFuzz",
            dependencies: [
                "CfgTemplate", "CfgConfig", "CfgSecure", "CfgAWS", "CfgAWSAuth", "CfgLocal", "CfgVault", "CfgHTTP",
                "CfgBackend", "CfgAppliers", "CfgRotation", "CfgRender",
            ]
        ),
        .executableTarget(name: "cfg-fuzz", dependencies: ["CfgFuzz"]),
        // Test support: only tests link it.
        .target(name: "CfgTestSupport", dependencies: ["CfgBackend", "CfgSecure"], path: "Sources/CfgTestSupport"),
        .testTarget(name: "CfgSecureTests", dependencies: ["CfgSecure", "CfgTestSupport"]),
        .testTarget(name: "CfgHTTPTests", dependencies: ["CfgHTTP", "CfgSecure", "CfgTestSupport"]),
        .testTarget(name: "CfgTestSupportTests", dependencies: ["CfgTestSupport"]),
        .testTarget(
            name: "CfgVaultTests",
            dependencies: ["CfgVault", "CfgAWSAuth", "CfgHTTP", "CfgBackend", "CfgSecure", "CfgTestSupport"]
        ),
        .testTarget(
            name: "CfgAWSTests",
            dependencies: ["CfgAWS", "CfgAWSAuth", "CfgHTTP", "CfgBackend", "CfgSecure", "CfgTestSupport"]
        ),
        .testTarget(name: "CfgAWSAuthTests", dependencies: ["CfgAWSAuth", "CfgHTTP", "CfgSecure", "CfgTestSupport"]),
        .testTarget(name: "CfgTemplateTests", dependencies: ["CfgTemplate"]),
        .testTarget(name: "CfgSuggestionTests", dependencies: ["CfgSuggestion"]),
        .testTarget(
            name: "CfgCommandTests",
            dependencies: ["cfg", "CfgTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "CfgFuzzTests", dependencies: ["CfgFuzz", "CfgHTTP", "CfgSecure"]),
        .testTarget(
            name: "CfgConfigTests",
            dependencies: ["CfgConfig", "Yams"],
            // Read by path (the Python tests read the same tables), not bundled.
            exclude: ["Airflow/uri-credentials-cases.json", "Airflow/airflow-expansion-cases.json"]
        ),
        .testTarget(name: "CfgLocalTests", dependencies: ["CfgLocal", "CfgBackend", "CfgSecure", "CfgTestSupport"]),
        .testTarget(
            name: "CfgRotationTests",
            dependencies: [
                "CfgRotation", "CfgBackend", "CfgSecure", "CfgLocal", "CfgVault", "CfgAWS", "CfgAWSAuth", "CfgHTTP",
                "CfgTestSupport",
            ]
        ),
        .testTarget(
            name: "CfgAppliersTests",
            dependencies: ["CfgAppliers", "CfgRotation", "CfgSecure", "CfgTestSupport"]
        ),
        .testTarget(
            name: "CfgRotateTests",
            dependencies: [
                "CfgRotate", "CfgRotation", "CfgEngine", "CfgConfig", "CfgBackend", "CfgLocal", "CfgSecure",
                "CfgProcess", "CfgTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "CfgRenderTests", dependencies: ["CfgRender", "CfgTemplate", "CfgConfig"]),
        .testTarget(
            name: "CfgProcessTests",
            dependencies: [
                "CfgProcess", "CfgEngine", "CfgBackend", "CfgSecure", "CfgTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CfgEngineTests",
            dependencies: [
                "CfgEngine", "CfgLocal", "CfgVault", "CfgAWS", "CfgAWSAuth", "CfgHTTP", "CfgConfig", "CfgTemplate",
                "CfgRender", "CfgTestSupport", "CfgSecure", "CfgBackend",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]
let cTargets: Set = ["CProcess", "CBuildInfo", "CLazyLibrary", "CCurl", "CPostgres", "CRedis"]
for target in package.targets where target.type != .system && !cTargets.contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + upcoming
}
